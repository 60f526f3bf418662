import { useEffect, useRef } from 'react';

const EMOJI = ['👍', '👎', '😄', '🎉', '❤️', '🚀', '👀', '🙏', '😂', '😮', '😢', '🔥', '✅', '❌', '💯', '🤔', '👏', '☕'];

/** A small grid of common reactions; arrow keys move, Enter picks, Escape closes. */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
  }, []);
  function onKeyDown(e: React.KeyboardEvent) {
    const buttons = [...(ref.current?.querySelectorAll('button') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 6, ArrowUp: -6 }[e.key];
    // The picker owns these keys (preventDefault tells the message list around it so).
    if (step !== undefined) {
      e.preventDefault();
      buttons[(i + step + buttons.length) % buttons.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      (e.key === 'Home' ? buttons[0] : buttons.at(-1))?.focus();
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
  }
  return (
    <div className="emoji-picker" role="group" aria-label="Pick a reaction" ref={ref} onKeyDown={onKeyDown}>
      {EMOJI.map((emoji) => (
        <button key={emoji} type="button" aria-label={`React with ${emoji}`} onClick={() => onPick(emoji)}>
          {emoji}
        </button>
      ))}
    </div>
  );
}
