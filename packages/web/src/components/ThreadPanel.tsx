import { useEffect, useRef } from 'react';
import { useChat, setState } from '../state/store.js';
import { MessageItem } from './MessageItem.js';
import { PendingMessage } from './MessageList.js';
import { Composer } from './Composer.js';

/** A thread beside the channel: the root, its replies oldest first, and a reply box. */
export function ThreadPanel({ rootId }: { rootId: string }) {
  const root = useChat((s) => Object.values(s.timelines).flatMap((t) => t.messages).find((m) => m.id === rootId));
  const replies = useChat((s) => s.threads[rootId]);
  const outbox = useChat((s) => s.outbox);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [rootId]);
  const pending = outbox.filter((o) => o.threadRootId === rootId);
  const close = () => setState({ threadRootId: null });
  return (
    <aside className="thread-panel" aria-labelledby="thread-heading" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <header className="panel-header">
        <h2 id="thread-heading" tabIndex={-1} ref={heading}>
          Thread
        </h2>
        <button type="button" className="icon" aria-label="Close thread" onClick={close}>
          ×
        </button>
      </header>
      <div className="thread-messages" role="log" aria-label="Thread replies">
        {root && <MessageItem message={root} grouped={false} inThread />}
        <p className="reply-count">{root ? `${root.replyCount} ${root.replyCount === 1 ? 'reply' : 'replies'}` : ''}</p>
        {(replies ?? []).map((m) => (
          <MessageItem key={m.id} message={m} grouped={false} inThread />
        ))}
        {pending.map((item) => (
          <PendingMessage key={item.clientMessageId} item={item} />
        ))}
      </div>
      {root && <Composer channelId={root.channelId} threadRootId={rootId} label="Reply in thread" />}
    </aside>
  );
}
