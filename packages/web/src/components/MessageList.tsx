import { useEffect, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Message, OutboxItem } from '@relaydesk/client';
import { client } from '../sdk.js';
import { useChat } from '../state/store.js';
import { loadOlder } from '../state/chat.js';
import { setState } from '../state/store.js';
import { MessageItem } from './MessageItem.js';

type Row = { kind: 'message'; message: Message; grouped: boolean; day: string | null; divider: boolean } | { kind: 'pending'; item: OutboxItem };

const GROUP_MS = 5 * 60_000;
const dayOf = (iso: string) => new Date(iso).toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric' });

/** Builds display rows: day separators, the "new messages" divider, grouping of consecutive messages. */
function rows(messages: Message[], pending: OutboxItem[], dividerAfterSeq: number | null, meId: string | undefined): Row[] {
  const out: Row[] = [];
  let prev: Message | undefined;
  let dividerShown = false;
  for (const m of messages) {
    const day = !prev || dayOf(prev.createdAt) !== dayOf(m.createdAt) ? dayOf(m.createdAt) : null;
    const divider = !dividerShown && dividerAfterSeq !== null && m.seq > dividerAfterSeq && m.authorId !== meId && prev !== undefined;
    if (divider) dividerShown = true;
    const grouped = !day && !divider && !!prev && prev.authorId === m.authorId && !prev.deleted && Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;
    out.push({ kind: 'message', message: m, grouped, day, divider });
    prev = m;
  }
  for (const item of pending) out.push({ kind: 'pending', item });
  return out;
}

/** The channel's timeline, virtualized: only the rows on screen are in the DOM, whatever is loaded. */
export function MessageList({ channelId }: { channelId: string }) {
  const timeline = useChat((s) => s.timelines[channelId]);
  const outbox = useChat((s) => s.outbox);
  const meId = useChat((s) => s.me?.id);
  const focusId = useChat((s) => s.focusMessageId);
  const parent = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [awayFromBottom, setAwayFromBottom] = useState(false);
  const firstId = useRef<string | undefined>(undefined);
  /** The one message in the Tab order (roving tabindex); none until the user picks one. */
  const [activeId, setActiveId] = useState<string | null>(null);
  /** A message to focus once the virtualizer has rendered it. */
  const focusNext = useRef<string | null>(null);
  const pending = useMemo(() => outbox.filter((o) => o.channelId === channelId && !o.threadRootId), [outbox, channelId]);
  const list = useMemo(
    () => rows(timeline?.messages ?? [], pending, timeline?.dividerAfterSeq ?? null, meId),
    [timeline?.messages, pending, timeline?.dividerAfterSeq, meId],
  );
  const virtualizer = useVirtualizer({
    count: list.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 64,
    overscan: 12,
    getItemKey: (i) => {
      const r = list[i]!;
      return r.kind === 'message' ? r.message.id : `pending-${r.item.clientMessageId}`;
    },
  });

  // Older messages prepended: keep the one that was on top where it was.
  useLayoutEffect(() => {
    const first = list[0]?.kind === 'message' ? list[0].message.id : undefined;
    const before = firstId.current;
    firstId.current = first;
    if (before && first !== before) {
      const index = list.findIndex((r) => r.kind === 'message' && r.message.id === before);
      if (index > 0) virtualizer.scrollToIndex(index, { align: 'start' });
    }
  }, [list, virtualizer]);

  // New messages, or a row that grows (an image loads, "1 reply" appears): a reader at the bottom stays there.
  const totalSize = virtualizer.getTotalSize();
  useEffect(() => {
    if (atBottom.current && list.length > 0 && !focusId) virtualizer.scrollToIndex(list.length - 1, { align: 'end' });
  }, [totalSize, list.length, focusId, virtualizer]);

  useEffect(() => {
    if (!focusId) return;
    const index = list.findIndex((r) => r.kind === 'message' && r.message.id === focusId);
    if (index >= 0) {
      atBottom.current = false;
      virtualizer.scrollToIndex(index, { align: 'center' });
      const t = setTimeout(() => setState({ focusMessageId: null }), 3000);
      return () => clearTimeout(t);
    }
  }, [focusId, list, virtualizer]);

  function onScroll() {
    const el = parent.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (awayFromBottom === atBottom.current) setAwayFromBottom(!atBottom.current);
    if (el.scrollTop < 200) void loadOlder(channelId);
  }

  // A focus asked for in another channel is void.
  useEffect(() => {
    focusNext.current = null;
  }, [channelId]);

  // Runs after every render: the row asked for may only appear once the scroll has happened.
  useEffect(() => {
    const id = focusNext.current;
    const el = id ? parent.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"]`) : null;
    if (el) {
      focusNext.current = null;
      el.focus({ preventScroll: true });
    }
  });

  /** Up / Down move between messages, Home / End go to the first / last loaded one. */
  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    // A control that handled the key itself (the emoji picker) called preventDefault.
    if (!['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key) || e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    const target = e.target as HTMLElement;
    // Keys typed in an edit box, or pressed in a player or an open image dialog, stay theirs.
    if (target.closest('textarea, input, select, audio, video, dialog')) return;
    const messages = list.flatMap((r, index) => (r.kind === 'message' ? [{ id: r.message.id, index }] : []));
    const position = (id: string | null | undefined) => messages.findIndex((m) => m.id === id);
    const current = target.closest<HTMLElement>('[data-message-id]')?.dataset.messageId;
    let next: number;
    if (current === undefined && (e.key === 'ArrowUp' || e.key === 'ArrowDown') && position(activeId) >= 0) {
      next = position(activeId); // back into the list: to the message selected before
    } else {
      const at = current === undefined ? messages.length : position(current); // from the list itself, Up starts at the newest
      next = e.key === 'ArrowUp' ? at - 1 : e.key === 'ArrowDown' ? at + 1 : e.key === 'Home' ? 0 : messages.length - 1;
    }
    const chosen = messages[next];
    if (!chosen) return;
    e.preventDefault();
    setActiveId(chosen.id);
    focusNext.current = chosen.id;
    atBottom.current = next === messages.length - 1;
    virtualizer.scrollToIndex(chosen.index, { align: 'auto' });
  }

  // Focus that lands in a message by pointer or by Tab makes it the active one.
  function onFocus(e: FocusEvent<HTMLDivElement>) {
    const id = (e.target as HTMLElement).closest<HTMLElement>('[data-message-id]')?.dataset.messageId;
    if (id && id !== activeId) setActiveId(id);
  }

  const jumpToLatest = () => {
    atBottom.current = true;
    setAwayFromBottom(false);
    virtualizer.scrollToIndex(list.length - 1, { align: 'end' });
  };

  return (
    <div className="message-list-wrap">
      <p id="message-list-keys" className="sr-only">
        Up and Down arrows move between messages; Tab reaches the actions of the selected one.
      </p>
      <div
        ref={parent}
        className="message-list"
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        onFocus={onFocus}
        role="log"
        aria-label="Messages"
        aria-describedby="message-list-keys"
        tabIndex={0}
      >
        {timeline?.loading && timeline.messages.length > 0 && <p className="loading">Loading older messages…</p>}
        {timeline && !timeline.hasMoreBefore && !timeline.loading && <p className="channel-start">This is the very beginning of the channel.</p>}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const r = list[v.index]!;
            return (
              <div key={v.key} data-index={v.index} ref={virtualizer.measureElement} className="row" style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${v.start}px)` }}>
                {r.kind === 'message' ? (
                  <>
                    {r.day && (
                      <div className="day-separator" role="separator">
                        <span>{r.day}</span>
                      </div>
                    )}
                    {r.divider && (
                      <div className="new-divider" role="separator" aria-label="New messages">
                        <span>New messages</span>
                      </div>
                    )}
                    <MessageItem message={r.message} grouped={r.grouped} active={r.message.id === activeId} />
                  </>
                ) : (
                  <PendingMessage item={r.item} />
                )}
              </div>
            );
          })}
        </div>
      </div>
      {awayFromBottom && (
        <button type="button" className="jump-latest" onClick={jumpToLatest}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}

export function PendingMessage({ item }: { item: OutboxItem }) {
  const failed = item.status === 'failed';
  return (
    <article className={`message pending${failed ? ' failed' : ''}`} data-client-message-id={item.clientMessageId} data-status={item.status}>
      <div className="message-body">
        <p className="pending-body">{item.body}</p>
        <small className="pending-state">{failed ? `Not sent: ${item.error?.message ?? 'failed'}` : 'Sending…'}</small>
        {failed && (
          <>
            {' '}
            <button type="button" className="link" onClick={() => void client.outbox.retry(item.clientMessageId)}>
              Retry
            </button>{' '}
            <button type="button" className="link" onClick={() => void client.outbox.discard(item.clientMessageId)}>
              Discard
            </button>
          </>
        )}
      </div>
    </article>
  );
}
