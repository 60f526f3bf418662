import { useSyncExternalStore } from 'react';
import { initialState, type ChatState } from './types.js';

/** One immutable state object; components subscribe to the slices they read. */
let state: ChatState = initialState;
const listeners = new Set<() => void>();

export function getState(): ChatState {
  return state;
}

export function setState(update: Partial<ChatState> | ((s: ChatState) => Partial<ChatState>)): void {
  const patch = typeof update === 'function' ? update(state) : update;
  // A slice is never replaced by `undefined` (a reducer saying "no change" that way once blanked the whole chat).
  const next = { ...state };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  state = next;
  listeners.forEach((l) => l());
}

export function resetState(): void {
  state = initialState;
  listeners.forEach((l) => l());
}

export function useChat<T>(select: (s: ChatState) => T): T {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => select(state),
  );
}
