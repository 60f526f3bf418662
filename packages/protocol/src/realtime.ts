import Type from 'typebox';
import { ChannelEvent, Message } from './messages.js';

/**
 * The WebSocket protocol, version 1 (docs/protocol.md). Every frame is one JSON object with a
 * `type`; client frames may carry a `ref` that the server's answer (`ack` or `error`) echoes.
 */
export const PROTOCOL_VERSION = 1;

export const RealtimeLimits = {
  /** Largest frame the server reads; bigger ones close the socket with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Server ping interval; a peer that misses two in a row is dropped (~60 s worst case). */
  heartbeatMs: 30_000,
  /** A resume further behind than this gets `reset` for that channel (re-fetch history instead). */
  maxReplay: 1000,
  /** Token bucket per connection (PRODUCT.md): 10 operations/s, bursts of 20. */
  opsPerSecond: 10,
  opsBurst: 20,
  /** Bytes queued for a socket before it is closed as a slow consumer (4009). */
  maxBufferedBytes: 1024 * 1024,
  /** A user's typing notices per channel are forwarded at most this often. */
  typingThrottleMs: 2_000,
  /** Clients stop showing "is typing" this long after the last notice. */
  typingTtlMs: 6_000,
} as const;

/** Close codes beside the standard ones (1008 policy, 1009 too big, 1012 restart, 1013 try later). */
export const CloseCodes = {
  badTicket: 4001,
  forbiddenOrigin: 4003,
  flooding: 4008,
  slowConsumer: 4009,
} as const;

const Ref = Type.Optional(Type.String({ maxLength: 64 }));
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Seq = Type.Integer({ minimum: 0 });

// --- client → server ---------------------------------------------------------------------------

export const ClientFrame = Type.Union([
  /** The last seq the client has per channel; the server replays what came after, then goes live. */
  Type.Object({ type: Type.Literal('resume'), ref: Ref, channels: Type.Record(Type.String({ maxLength: 64 }), Seq) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('send'),
      ref: Ref,
      channelId: Id,
      body: Type.String({ maxLength: 20_000 }),
      clientMessageId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_:.-]+$' }),
      threadRootId: Type.Optional(Id),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('edit'), ref: Ref, messageId: Id, body: Type.String({ maxLength: 20_000 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('delete'), ref: Ref, messageId: Id }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('react'), ref: Ref, messageId: Id, emoji: Type.String({ minLength: 1, maxLength: 64 }), present: Type.Boolean() },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('read'), ref: Ref, channelId: Id, seq: Seq }, { additionalProperties: false }),
  /** "I am typing" in a channel; send again every few seconds while typing continues. */
  Type.Object({ type: Type.Literal('typing'), channelId: Id }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('ping'), ref: Ref }, { additionalProperties: false }),
]);
export type ClientFrame = Type.Static<typeof ClientFrame>;

// --- server → client ---------------------------------------------------------------------------

export const ServerFrame = Type.Union([
  Type.Object({ type: Type.Literal('ready'), v: Type.Literal(PROTOCOL_VERSION), userId: Type.String(), heartbeatMs: Type.Integer() }),
  /** A durable change, in seq order per channel, each exactly once. */
  Type.Object({ type: Type.Literal('event'), channelId: Type.String(), seq: Type.Integer(), actorId: Type.String(), at: Type.String(), event: ChannelEvent }),
  /** Replay for a resumed channel is complete up to `lastSeq`; live events follow. */
  Type.Object({ type: Type.Literal('resumed'), channelId: Type.String(), lastSeq: Type.Integer() }),
  /** Too far behind (or unknown): re-fetch history over REST, then resume from its lastSeq. */
  Type.Object({ type: Type.Literal('reset'), channelId: Type.String(), lastSeq: Type.Integer() }),
  Type.Object({ type: Type.Literal('ack'), ref: Type.Optional(Type.String()), message: Type.Optional(Message), lastReadSeq: Type.Optional(Type.Integer()) }),
  Type.Object({
    type: Type.Literal('error'),
    ref: Type.Optional(Type.String()),
    code: Type.String(),
    message: Type.String(),
    retryAfterMs: Type.Optional(Type.Integer()),
  }),
  /** Someone else is typing in a channel you follow; show it for `RealtimeLimits.typingTtlMs`. */
  Type.Object({ type: Type.Literal('typing'), channelId: Type.String(), userId: Type.String() }),
  /** The user's read marker moved (on any of their connections): update unread badges. */
  Type.Object({ type: Type.Literal('read'), channelId: Type.String(), lastReadSeq: Type.Integer() }),
  Type.Object({ type: Type.Literal('pong'), ref: Type.Optional(Type.String()) }),
]);
export type ServerFrame = Type.Static<typeof ServerFrame>;
