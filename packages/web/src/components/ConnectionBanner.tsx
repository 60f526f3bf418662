import { useChat } from '../state/store.js';

const TEXT = {
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: 'You are offline. Messages you send will be delivered when the connection returns.',
  fallback: 'Using a fallback connection (WebSockets are blocked). Everything still works, a little slower.',
} as const;

/** Honest about the connection: nothing shown when live, a clear banner otherwise. */
export function ConnectionBanner() {
  const state = useChat((s) => s.connection);
  const pending = useChat((s) => s.outbox.filter((o) => o.status !== 'failed').length);
  if (state === 'online') return null;
  return (
    <div className={`banner banner-${state}`} role="status" data-connection={state}>
      {TEXT[state]}
      {pending > 0 && ` ${pending} message${pending === 1 ? '' : 's'} waiting to send.`}
    </div>
  );
}
