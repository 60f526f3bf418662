import { useLayoutEffect, type RefObject } from 'react';

const FOCUSABLE = 'a[href], button, input, select, textarea, audio[controls], video[controls], [tabindex]';
const SAVED = 'data-roving-tabindex';

/**
 * One Tab stop per message instead of one per control (a roving tabindex): while `active` is
 * false, every control inside `ref` leaves the Tab order (tabIndex -1, its own value kept aside);
 * when it becomes active they get their values back. Pointers use the controls as before; the
 * list moves `active` with the arrow keys. Without this, each message added several Tab stops,
 * and reaching the composer from the top of the page took dozens of presses.
 */
export function useRovingItem(ref: RefObject<HTMLElement | null>, active: boolean): void {
  // No dependencies: a re-render can add controls (a reaction, "1 reply") that must follow suit.
  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    if (active) {
      for (const el of root.querySelectorAll<HTMLElement>(`[${SAVED}]`)) {
        const saved = el.getAttribute(SAVED)!;
        if (saved === '') el.removeAttribute('tabindex');
        else el.setAttribute('tabindex', saved);
        el.removeAttribute(SAVED);
      }
      return;
    }
    for (const el of root.querySelectorAll<HTMLElement>(FOCUSABLE)) {
      // Also one saved before: React may have set its tabIndex again since (its newer value wins).
      if (el.tabIndex < 0) continue;
      el.setAttribute(SAVED, el.getAttribute('tabindex') ?? '');
      el.tabIndex = -1;
    }
  });
}
