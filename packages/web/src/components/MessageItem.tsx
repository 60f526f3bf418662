import { memo, useRef, useState, type KeyboardEvent } from 'react';
import { isApiError, type Message } from '@relaydesk/client';
import { api } from '../sdk.js';
import { useChat } from '../state/store.js';
import { openThread } from '../state/chat.js';
import { Markdown } from './Markdown.js';
import { EmojiPicker } from './EmojiPicker.js';
import { Attachments } from './Attachments.js';
import { FormError } from './FormError.js';
import { useRovingItem } from './rovingItem.js';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * One message: header (unless grouped with the previous one), body, reactions, actions. In the
 * channel's list only the `active` message is in the Tab order (see MessageList); elsewhere
 * (a thread) every message is.
 */
export const MessageItem = memo(function MessageItem({
  message,
  grouped,
  inThread,
  active,
}: {
  message: Message;
  grouped: boolean;
  inThread?: boolean;
  active?: boolean;
}) {
  const ref = useRef<HTMLElement>(null);
  useRovingItem(ref, active ?? true);
  // In the channel's list a message is focusable itself (the arrow keys move between messages).
  const tabIndex = active === undefined ? undefined : active ? 0 : -1;
  // Read out with its text when focused. Only in the channel's list: a thread shows its root
  // message a second time, and ids must stay unique.
  const bodyId = active === undefined ? undefined : `message-body-${message.id}`;
  const author = useChat((s) => s.members[message.authorId]);
  const meId = useChat((s) => s.me?.id);
  const focused = useChat((s) => s.focusMessageId === message.id);
  const isAdmin = useChat((s) => ['owner', 'admin'].includes(s.workspaces.find((w) => w.id === s.workspaceId)?.role ?? ''));
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = message.authorId === meId;
  const name = author?.displayName ?? 'Unknown user';

  const run = (p: Promise<unknown>) => p.catch((e) => setError(isApiError(e) ? e.message : 'Something went wrong'));
  const toggle = (emoji: string, present: boolean) => run(present ? api.messages.unreact(message.id, emoji) : api.messages.react(message.id, emoji));

  if (message.deleted) {
    return (
      <article ref={ref} className="message deleted" data-message-id={message.id} tabIndex={tabIndex}>
        <p className="tombstone">This message was deleted.</p>
      </article>
    );
  }
  return (
    <article
      ref={ref}
      className={`message${grouped ? ' grouped' : ''}${focused ? ' focused' : ''}`}
      data-message-id={message.id}
      tabIndex={tabIndex}
      aria-label={`${name} at ${time(message.createdAt)}`}
      aria-describedby={editing ? undefined : bodyId}
    >
      {!grouped && (
        <header className="message-header">
          <strong className="author">{name}</strong>
          {author?.isBot && <span className="bot-badge" title="A bot: posts through an integration">BOT</span>}{' '}
          <span className="username">@{author?.username ?? '?'}</span>{' '}
          <time dateTime={message.createdAt}>{time(message.createdAt)}</time>
          {message.editedAt && <span className="edited"> (edited)</span>}
          {message.pinned && <span className="pinned-tag"> · pinned</span>}
        </header>
      )}
      {editing ? (
        <EditBox message={message} onDone={() => setEditing(false)} onError={setError} />
      ) : (
        <div className="message-body" id={bodyId}>
          {message.body && <Markdown text={message.body} />}
          {grouped && message.editedAt && <span className="edited">(edited)</span>}
          <Attachments files={message.attachments ?? []} />
        </div>
      )}
      {message.reactions.length > 0 && (
        <ul className="reactions" aria-label="Reactions">
          {message.reactions.map((r) => {
            const present = meId !== undefined && r.userIds.includes(meId);
            return (
              <li key={r.emoji}>
                <button type="button" className={`reaction${present ? ' mine' : ''}`} aria-pressed={present} aria-label={`${r.emoji} ${r.count}`} onClick={() => void toggle(r.emoji, present)}>
                  {r.emoji} {r.count}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {!inThread && message.replyCount > 0 && (
        <button type="button" className="link thread-link" onClick={() => void openThread(message.id)}>
          {message.replyCount} {message.replyCount === 1 ? 'reply' : 'replies'}
        </button>
      )}
      <div className="message-actions" role="group" aria-label="Message actions">
        <button type="button" aria-label="Add reaction" title="Add reaction" aria-expanded={picking} onClick={() => setPicking((p) => !p)}>
          ☺
        </button>
        {!inThread && (
          <button type="button" aria-label="Reply in thread" title="Reply in thread" onClick={() => void openThread(message.id)}>
            ↩
          </button>
        )}
        <button type="button" aria-label={message.pinned ? 'Unpin' : 'Pin'} title={message.pinned ? 'Unpin' : 'Pin'} onClick={() => void run(message.pinned ? api.messages.unpin(message.id) : api.messages.pin(message.id))}>
          📌
        </button>
        {mine && (
          <button type="button" aria-label="Edit" title="Edit" onClick={() => setEditing(true)}>
            ✎
          </button>
        )}
        {(mine || isAdmin) && (
          <button type="button" aria-label="Delete" title="Delete" onClick={() => window.confirm('Delete this message?') && void run(api.messages.delete(message.id))}>
            🗑
          </button>
        )}
      </div>
      {picking && (
        <EmojiPicker
          onPick={(emoji) => {
            setPicking(false);
            const present = message.reactions.some((r) => r.emoji === emoji && meId !== undefined && r.userIds.includes(meId));
            void toggle(emoji, present);
          }}
          onClose={() => setPicking(false)}
        />
      )}
      <FormError message={error} />
    </article>
  );
});

function EditBox({ message, onDone, onError }: { message: Message; onDone: () => void; onError: (e: string) => void }) {
  const [body, setBody] = useState(message.body);
  async function save() {
    try {
      if (body.trim() && body !== message.body) await api.messages.edit(message.id, body);
      onDone();
    } catch (e) {
      onError(isApiError(e, 'EDIT_WINDOW_CLOSED') ? 'Messages can only be edited for 15 minutes.' : isApiError(e) ? e.message : 'Could not save');
    }
  }
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') onDone();
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void save();
    }
  };
  return (
    <div className="edit-box">
      <textarea aria-label="Edit message" value={body} onChange={(e) => setBody(e.target.value)} onKeyDown={onKey} autoFocus />
      <button type="button" className="primary" onClick={() => void save()}>
        Save
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </div>
  );
}
