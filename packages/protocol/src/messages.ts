import Type from 'typebox';
import { Id, Seq, Timestamp } from './scalars.js';
import { Channel } from './channels.js';
import { FileInfo, FileLimits } from './files.js';


export const MessageLimits = {
  /** After trimming, in Unicode code points. */
  bodyMax: 10_000,
  /** Raw size accepted before normalisation (surrounding whitespace is trimmed away). */
  rawBodyMax: 20_000,
  pageMax: 100,
  eventPageMax: 1000,
  emojiMax: 64,
  /** Read receipts are listed for channels up to this many members. */
  receiptsMaxMembers: 50,
  /** Unread counts stop counting here; clients show "999+". */
  unreadCap: 999,
} as const;

export const Reaction = Type.Object({ emoji: Type.String(), count: Type.Integer(), userIds: Type.Array(Type.String()) });

export const Message = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  /** The channel sequence number of its creation: the history cursor. */
  seq: Type.Integer(),
  authorId: Type.String(),
  /** Empty for a deleted message (a tombstone). */
  body: Type.String(),
  clientMessageId: Type.Union([Type.String(), Type.Null()]),
  threadRootId: Type.Union([Type.String(), Type.Null()]),
  replyCount: Type.Integer(),
  lastReplyAt: Type.Union([Timestamp, Type.Null()]),
  mentions: Type.Object({ userIds: Type.Array(Type.String()), channel: Type.Boolean() }),
  reactions: Type.Array(Reaction),
  attachmentCount: Type.Integer(),
  /** The files the message carries (none for a deleted message). */
  attachments: Type.Array(FileInfo),
  pinned: Type.Boolean(),
  createdAt: Timestamp,
  editedAt: Type.Union([Timestamp, Type.Null()]),
  deleted: Type.Boolean(),
});
export type Message = Type.Static<typeof Message>;

/**
 * What is left of a deleted message wherever it appears: in history and on GET, and in every
 * `message.created` and `message.edited` event of it, which the deletion rewrites in place (same
 * seq, same type) so that neither the change feed nor a resume replays its text, mentions,
 * reactions or files. Kept: identity, place (seq, thread, replies) and times. Written out field
 * by field so that a field added to Message has to be decided on here rather than leak through.
 */
export function tombstoneOf(m: Message): Message {
  return {
    id: m.id,
    channelId: m.channelId,
    seq: m.seq,
    authorId: m.authorId,
    body: '',
    clientMessageId: m.clientMessageId,
    threadRootId: m.threadRootId,
    replyCount: m.replyCount,
    lastReplyAt: m.lastReplyAt,
    mentions: { userIds: [], channel: false },
    reactions: [],
    attachmentCount: 0,
    attachments: [],
    pinned: false,
    createdAt: m.createdAt,
    editedAt: m.editedAt,
    deleted: true,
  };
}
export const MessagePage = Type.Object({
  messages: Type.Array(Message),
  /** More messages exist before the oldest / after the newest one returned. */
  hasMoreBefore: Type.Boolean(),
  hasMoreAfter: Type.Boolean(),
});

/**
 * A message body as sent. The limit is 10,000 code points after NFC normalisation and trimming
 * (server: actions/messageBody.ts); the raw cap is higher because padding and combining sequences
 * compose away. The API document states the limit that counts (`x-max-length-normalised`).
 */
export const MessageBodyInput = Type.String({
  maxLength: MessageLimits.rawBodyMax,
  'x-max-length-normalised': MessageLimits.bodyMax,
  description: '1–10,000 Unicode code points after NFC normalisation and trimming; no control characters but \\n and \\t.',
});

/** Chosen by the client (a UUID): a retried send with the same id returns the same message. */
export const ClientMessageId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_:.-]+$' });

export const SendMessageRequest = Type.Object(
  {
    body: MessageBodyInput,
    clientMessageId: Type.Optional(ClientMessageId),
    threadRootId: Type.Optional(Id),
    /** Uploaded files (POST /channels/{id}/files) of the sender's, in this channel, not yet attached. */
    attachmentIds: Type.Optional(Type.Array(Id, { maxItems: FileLimits.perMessageMax, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type SendMessageRequest = Type.Static<typeof SendMessageRequest>;

export const EditMessageRequest = Type.Object({ body: MessageBodyInput }, { additionalProperties: false });

export const HistoryQuery = Type.Object(
  {
    before: Type.Optional(Seq),
    after: Type.Optional(Seq),
    around: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MessageLimits.pageMax })),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Type.Static<typeof HistoryQuery>;

export const RepliesQuery = Type.Object(
  { after: Type.Optional(Seq), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MessageLimits.pageMax })) },
  { additionalProperties: false },
);

export const EditHistory = Type.Object({
  edits: Type.Array(Type.Object({ body: Type.String(), editedAt: Timestamp })),
});

export const MessageParams = Type.Object({ messageId: Id });
/** A reaction's emoji: one token, no spaces or control characters. The REST path and the `react` frame share it. */
export const Emoji = Type.String({ minLength: 1, maxLength: MessageLimits.emojiMax, pattern: '^[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$' });
export const ReactionParams = Type.Object({ messageId: Id, emoji: Emoji });

/**
 * Every durable change in a channel, numbered by `seq` with no gaps. Once a message is deleted,
 * its `message.created` and `message.edited` events carry its tombstone (`tombstoneOf`,
 * `deleted: true`) instead of the message as it was: they keep their seq, so a replay still has
 * every number once, and a client applies them like any other.
 */
export const ChannelEvent = Type.Union([
  Type.Object({ type: Type.Literal('message.created'), message: Message }),
  Type.Object({ type: Type.Literal('message.edited'), message: Message }),
  Type.Object({ type: Type.Literal('message.deleted'), messageId: Type.String() }),
  Type.Object({ type: Type.Literal('thread.updated'), messageId: Type.String(), replyCount: Type.Integer(), lastReplyAt: Type.Union([Timestamp, Type.Null()]) }),
  Type.Object({ type: Type.Literal('reaction.added'), messageId: Type.String(), emoji: Type.String(), userId: Type.String() }),
  Type.Object({ type: Type.Literal('reaction.removed'), messageId: Type.String(), emoji: Type.String(), userId: Type.String() }),
  Type.Object({ type: Type.Literal('pin.added'), messageId: Type.String() }),
  Type.Object({ type: Type.Literal('pin.removed'), messageId: Type.String() }),
  Type.Object({ type: Type.Literal('member.joined'), userId: Type.String() }),
  Type.Object({ type: Type.Literal('member.left'), userId: Type.String() }),
  Type.Object({ type: Type.Literal('channel.updated'), channel: Type.Omit(Channel, ['isMember']) }),
]);
export type ChannelEventData = Type.Static<typeof ChannelEvent>;

export const StoredChannelEvent = Type.Object({
  channelId: Type.String(),
  seq: Type.Integer(),
  actorId: Type.String(),
  at: Timestamp,
  event: ChannelEvent,
});
export type StoredChannelEvent = Type.Static<typeof StoredChannelEvent>;

export const EventsQuery = Type.Object(
  { after: Seq, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MessageLimits.eventPageMax })) },
  { additionalProperties: false },
);
export const EventPage = Type.Object({
  events: Type.Array(StoredChannelEvent),
  /** The channel's latest sequence: when the last event's seq is below it, ask again. */
  lastSeq: Type.Integer(),
});

export const MarkReadRequest = Type.Object({ seq: Seq }, { additionalProperties: false });
export const ReadState = Type.Object({ channelId: Type.String(), lastReadSeq: Type.Integer() });

export const Unread = Type.Object({
  channelId: Type.String(),
  workspaceId: Type.String(),
  lastReadSeq: Type.Integer(),
  lastSeq: Type.Integer(),
  /** Messages by others after lastReadSeq, excluding thread replies; capped at MessageLimits.unreadCap. */
  unreadCount: Type.Integer(),
  mentionCount: Type.Integer(),
});
export const UnreadList = Type.Object({ unreads: Type.Array(Unread) });

export const ReceiptList = Type.Object({
  readBy: Type.Array(Type.Object({ userId: Type.String(), username: Type.String(), displayName: Type.String() })),
});
