import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { Message } from '@relaydesk/client';
import type { ChatState, Timeline } from './types.js';

/** How one durable change alters the client state: the same reducer for live, replayed and filled events. */
export function applyEvent(s: ChatState, e: StoredChannelEvent): Partial<ChatState> {
  const ev = e.event;
  const channel = s.channels[e.channelId];
  const patch: Partial<ChatState> = {};
  if (channel) patch.channels = { ...s.channels, [e.channelId]: { ...channel, lastSeq: Math.max(channel.lastSeq, e.seq) } };
  switch (ev.type) {
    case 'message.created': {
      const m = ev.message;
      if (m.threadRootId) {
        const replies = s.threads[m.threadRootId];
        if (replies) patch.threads = { ...s.threads, [m.threadRootId]: upsert(replies, m) };
      } else {
        // A channel whose timeline is not loaded yet gets it from history when it is opened.
        const timelines = withTimeline(s, e.channelId, (t) => ({ ...t, messages: upsert(t.messages, m) }));
        if (timelines) patch.timelines = timelines;
      }
      if (!m.threadRootId && m.authorId !== s.me?.id) {
        const unread = s.unreads[e.channelId];
        const mentioned = m.mentions.channel || (s.me !== null && m.mentions.userIds.includes(s.me.id));
        if (unread)
          patch.unreads = {
            ...s.unreads,
            [e.channelId]: { ...unread, lastSeq: e.seq, unreadCount: unread.unreadCount + 1, mentionCount: unread.mentionCount + (mentioned ? 1 : 0) },
          };
        const author = s.members[m.authorId]?.displayName ?? 'Someone';
        patch.announcement = `${author}: ${m.body.slice(0, 200)}`;
      }
      // The author stopped typing the moment the message landed.
      const typing = s.typing[e.channelId];
      if (typing?.[m.authorId]) {
        const { [m.authorId]: _gone, ...rest } = typing;
        patch.typing = { ...s.typing, [e.channelId]: rest };
      }
      return patch;
    }
    case 'message.edited':
      return { ...patch, ...replaceMessage(s, e.channelId, ev.message.id, () => ev.message) };
    case 'message.deleted':
      return { ...patch, ...replaceMessage(s, e.channelId, ev.messageId, (m) => ({ ...m, body: '', deleted: true, reactions: [] })) };
    case 'thread.updated':
      return { ...patch, ...replaceMessage(s, e.channelId, ev.messageId, (m) => ({ ...m, replyCount: ev.replyCount, lastReplyAt: ev.lastReplyAt })) };
    case 'reaction.added':
    case 'reaction.removed': {
      const added = ev.type === 'reaction.added';
      return {
        ...patch,
        ...replaceMessage(s, e.channelId, ev.messageId, (m) => ({ ...m, reactions: toggleReaction(m.reactions, ev.emoji, ev.userId, added) })),
      };
    }
    case 'pin.added':
    case 'pin.removed':
      return { ...patch, ...replaceMessage(s, e.channelId, ev.messageId, (m) => ({ ...m, pinned: ev.type === 'pin.added' })) };
    case 'member.left':
      if (ev.userId === s.me?.id && channel && channel.kind !== 'public') {
        const { [e.channelId]: _gone, ...channels } = s.channels;
        return { channels, selectedChannelId: s.selectedChannelId === e.channelId ? null : s.selectedChannelId };
      }
      if (ev.userId === s.me?.id && channel) patch.channels = { ...s.channels, [e.channelId]: { ...channel, isMember: false, lastSeq: e.seq } };
      return patch;
    case 'member.joined':
      if (ev.userId === s.me?.id && channel) patch.channels = { ...s.channels, [e.channelId]: { ...channel, isMember: true, lastSeq: e.seq } };
      return patch;
    case 'channel.updated':
      return { channels: { ...s.channels, [e.channelId]: { ...ev.channel, isMember: channel?.isMember ?? true } } };
  }
}

function withTimeline(s: ChatState, channelId: string, f: (t: Timeline) => Timeline): ChatState['timelines'] | undefined {
  const t = s.timelines[channelId];
  return t ? { ...s.timelines, [channelId]: f(t) } : undefined;
}

/** Inserts in seq order, replacing a message with the same id. */
export function upsert(list: Message[], m: Message): Message[] {
  const i = list.findIndex((x) => x.id === m.id);
  if (i >= 0) return list.map((x, j) => (j === i ? m : x));
  const next = [...list, m];
  return next[next.length - 2] && next[next.length - 2]!.seq > m.seq ? next.sort((a, b) => a.seq - b.seq) : next;
}

function replaceMessage(s: ChatState, channelId: string, id: string, f: (m: Message) => Message): Partial<ChatState> {
  const patch: Partial<ChatState> = {};
  const t = s.timelines[channelId];
  if (t?.messages.some((m) => m.id === id)) {
    patch.timelines = { ...s.timelines, [channelId]: { ...t, messages: t.messages.map((m) => (m.id === id ? f(m) : m)) } };
  }
  for (const [root, replies] of Object.entries(s.threads)) {
    if (replies.some((m) => m.id === id)) patch.threads = { ...s.threads, [root]: replies.map((m) => (m.id === id ? f(m) : m)) };
  }
  return patch;
}

function toggleReaction(reactions: Message['reactions'], emoji: string, userId: string, added: boolean): Message['reactions'] {
  const existing = reactions.find((r) => r.emoji === emoji);
  if (added) {
    if (existing?.userIds.includes(userId)) return reactions;
    if (existing) return reactions.map((r) => (r.emoji === emoji ? { ...r, count: r.count + 1, userIds: [...r.userIds, userId] } : r));
    return [...reactions, { emoji, count: 1, userIds: [userId] }];
  }
  if (!existing?.userIds.includes(userId)) return reactions;
  return reactions
    .map((r) => (r.emoji === emoji ? { ...r, count: r.count - 1, userIds: r.userIds.filter((u) => u !== userId) } : r))
    .filter((r) => r.count > 0);
}
