import { useEffect, useState } from 'react';
import { useChat } from '../state/store.js';

/** "alice_dev is typing..." from live typing notices, each shown until it expires. */
export function TypingIndicator({ channelId }: { channelId: string }) {
  const typing = useChat((s) => s.typing[channelId]);
  const members = useChat((s) => s.members);
  const meId = useChat((s) => s.me?.id);
  const [now, setNow] = useState(Date.now());
  const active = Object.entries(typing ?? {}).filter(([userId, until]) => until > now && userId !== meId);
  useEffect(() => {
    if (active.length === 0) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active.length]);
  useEffect(() => setNow(Date.now()), [typing]);
  const names = active.map(([userId]) => members[userId]?.username ?? 'Someone');
  const text =
    names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing...` : names.length <= 3 ? `${names.join(', ')} are typing...` : 'Several people are typing...';
  return (
    <div className="typing" aria-live="polite">
      {text}
    </div>
  );
}

/** "Seen by …" under my latest message, from receipts (channels of up to 50 members). */
export function SeenBy({ channelId }: { channelId: string }) {
  const meId = useChat((s) => s.me?.id);
  const last = useChat((s) => {
    const list = s.timelines[channelId]?.messages ?? [];
    const latest = list[list.length - 1];
    return latest && latest.authorId === meId && !latest.deleted ? latest : undefined;
  });
  const markers = useChat((s) => s.readMarkers[channelId]);
  const members = useChat((s) => s.members);
  if (!last || !markers) return null;
  const readers = Object.entries(markers)
    .filter(([userId, seq]) => userId !== meId && seq >= last.seq)
    .map(([userId]) => members[userId]?.username ?? 'someone');
  if (readers.length === 0) return null;
  return <div className="seen-by">Seen by {readers.join(', ')}</div>;
}
