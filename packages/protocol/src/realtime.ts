import { AppEvent, AppEventLimits, AppEventTopic } from './appEvents.js';
import Type from 'typebox';
import { Id, Seq } from './scalars.js';
import { FileLimits } from './files.js';
import { ChannelEvent, ClientMessageId, Emoji, Message, MessageBodyInput } from './messages.js';

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
  /** Server-Sent Events fallback: a comment line (`: ping`) this often keeps proxies from timing out. */
  sseHeartbeatMs: 15_000,
  /** A user's last connection closed this long ago before they show as offline (no flapping on reload). */
  presenceGraceMs: 10_000,
  /** Connections (WebSocket and SSE together) per user and per client IP; the excess is refused (4029 / 429). */
  maxConnectionsPerUser: 20,
  maxConnectionsPerIp: 500,
} as const;

/** Close codes beside the standard ones (1008 policy, 1009 too big, 1012 restart, 1013 try later). */
export const CloseCodes = {
  badTicket: 4001,
  /**
   * The session behind this connection lost access: logout, session revocation, password change,
   * refresh-token reuse, deactivation. Reconnecting needs a new sign-in (a new ticket).
   */
  sessionRevoked: 4004,
  forbiddenOrigin: 4003,
  flooding: 4008,
  slowConsumer: 4009,
  /** Over the per-user or per-IP connection cap: close another connection (tab) first, or retry later. */
  tooManyConnections: 4029,
} as const;

/** What one connection says about its user: `away` when the tab is hidden or the user idle. */
export const ConnectionStatus = Type.Union([Type.Literal('active'), Type.Literal('away')]);
export type ConnectionStatus = Type.Static<typeof ConnectionStatus>;

/**
 * A user's presence, aggregated over all their connections: `online` if any is active, `away`
 * if every one is away, `offline` once the last one has been closed for the grace period.
 */
export const PresenceStatus = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);
export type PresenceStatus = Type.Static<typeof PresenceStatus>;

/** `GET /api/v1/workspaces/{id}/presence`: every member of the workspace with their status. */
export const PresenceList = Type.Object({
  presence: Type.Array(Type.Object({ userId: Type.String(), status: PresenceStatus })),
});
export type PresenceList = Type.Static<typeof PresenceList>;

/** `GET /api/v1/realtime/stream?resume=…`: the SSE fallback; `resume` is a URL-encoded JSON object. */
export const StreamQuery = Type.Object({ resume: Type.Optional(Type.String({ maxLength: 8192 })) }, { additionalProperties: false });
/** The decoded `resume` of the stream: the last seq the client has per channel, like the `resume` frame. */
export const ResumePositions = Type.Record(Type.String({ maxLength: 64 }), Seq, { maxProperties: 10_000 });

const Ref = Type.Optional(Type.String({ maxLength: 64 }));

// --- client → server ---------------------------------------------------------------------------

export const ClientFrame = Type.Union([
  /** The last seq the client has per channel; the server replays what came after, then goes live. */
  Type.Object({ type: Type.Literal('resume'), ref: Ref, channels: Type.Record(Type.String({ maxLength: 64 }), Seq) }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('send'),
      ref: Ref,
      channelId: Id,
      body: MessageBodyInput,
      clientMessageId: ClientMessageId,
      threadRootId: Type.Optional(Id),
      /** As in the REST send: the sender's own uploads in this channel, not yet attached. */
      attachmentIds: Type.Optional(Type.Array(Id, { maxItems: FileLimits.perMessageMax, uniqueItems: true })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('edit'), ref: Ref, messageId: Id, body: MessageBodyInput }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('delete'), ref: Ref, messageId: Id }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('react'), ref: Ref, messageId: Id, emoji: Emoji, present: Type.Boolean() },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('read'), ref: Ref, channelId: Id, seq: Seq }, { additionalProperties: false }),
  /** "I am typing" in a channel; send again every few seconds while typing continues. */
  Type.Object({ type: Type.Literal('typing'), channelId: Id }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('ping'), ref: Ref }, { additionalProperties: false }),
  /** This connection's status (a new connection is `active`); answered with `ack`. */
  Type.Object({ type: Type.Literal('presence'), ref: Ref, status: ConnectionStatus }, { additionalProperties: false }),
  /**
   * Follow app-event topics of a workspace, each from the last seq the client has (0: from the
   * start): the server replays what came after from storage (`subscribed` ends each replay), then
   * delivers live, every event once, in seq order — the channels' resume promise, per topic.
   */
  Type.Object(
    {
      type: Type.Literal('subscribe'),
      ref: Ref,
      workspaceId: Id,
      topics: Type.Record(AppEventTopic, Seq, { minProperties: 1, maxProperties: AppEventLimits.subscriptionsMax }),
    },
    { additionalProperties: false },
  ),
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
  /** A user who shares a workspace with you changed status (sent only on changes). */
  Type.Object({ type: Type.Literal('presence'), userId: Type.String(), status: PresenceStatus }),
  /** Another member's read marker moved in a channel of at most `MessageLimits.receiptsMaxMembers` members. */
  Type.Object({ type: Type.Literal('receipt'), channelId: Type.String(), userId: Type.String(), lastReadSeq: Type.Integer() }),
  /** An app event of a subscribed topic, in seq order per topic, each exactly once. */
  Type.Object({ type: Type.Literal('app_event'), event: AppEvent }),
  /** The replay of a subscribed topic is complete up to `lastSeq`; live events follow. */
  Type.Object({ type: Type.Literal('subscribed'), workspaceId: Type.String(), topic: Type.String(), lastSeq: Type.Integer() }),
]);
export type ServerFrame = Type.Static<typeof ServerFrame>;
