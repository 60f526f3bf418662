import { useEffect } from 'react';
import { useChat } from '../state/store.js';

/**
 * The tab says what waits, as Slack's does: `(3) RelayDesk` for three mentions (and DMs count as
 * mentions), `• RelayDesk` for unread messages without one, plain `RelayDesk` otherwise. Muted
 * channels, when they exist, will leave it alone.
 */
export function titleFor(unreads: { unreadCount: number; mentionCount: number }[]): string {
  const mentions = unreads.reduce((n, u) => n + u.mentionCount, 0);
  if (mentions > 0) return `(${mentions > 99 ? '99+' : mentions}) RelayDesk`;
  return unreads.some((u) => u.unreadCount > 0) ? '• RelayDesk' : 'RelayDesk';
}

export function useTabTitle(): void {
  const title = useChat((s) =>
    titleFor(
      Object.values(s.unreads).map((u) => {
        const dm = s.channels[u.channelId]?.kind === 'dm' || s.channels[u.channelId]?.kind === 'group_dm';
        return { unreadCount: u.unreadCount, mentionCount: dm ? Math.max(u.mentionCount, u.unreadCount) : u.mentionCount };
      }),
    ),
  );
  useEffect(() => {
    document.title = title;
  }, [title]);
}
