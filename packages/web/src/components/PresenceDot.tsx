import { useChat } from '../state/store.js';

export function PresenceDot({ userId }: { userId: string }) {
  const status = useChat((s) => s.presence[userId] ?? 'offline');
  return <span className={`presence presence-${status}`} role="img" aria-label={status} title={status} />;
}
