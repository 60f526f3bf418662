import Type from 'typebox';
import { Timestamp } from './scalars.js';

export const OutgoingHookLimits = {
  nameMax: 64,
  urlMax: 2048,
  triggerWordsMax: 10,
  triggerWordMax: 64,
} as const;

export const CreateOutgoingHookRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: OutgoingHookLimits.nameMax, pattern: '\\S' }),
    url: Type.String({ minLength: 8, maxLength: OutgoingHookLimits.urlMax, pattern: '^https?://' }),
    /** Deliver only messages whose first word is one of these (case-insensitive); none = every message. */
    triggerWords: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: OutgoingHookLimits.triggerWordMax, pattern: '^\\S+$' }), { maxItems: OutgoingHookLimits.triggerWordsMax, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);
export type CreateOutgoingHookRequest = Type.Static<typeof CreateOutgoingHookRequest>;

export const OutgoingHook = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  name: Type.String(),
  url: Type.String(),
  triggerWords: Type.Array(Type.String()),
  /** The bot that posts the receivers' answers back. */
  botUserId: Type.String(),
  createdAt: Timestamp,
  /** Set when a receiver answered 410 Gone (or an admin disabled it): nothing more is delivered. */
  disabledAt: Type.Union([Timestamp, Type.Null()]),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
});
export type OutgoingHook = Type.Static<typeof OutgoingHook>;

/** Only on creation: the Standard Webhooks signing secret, `whsec_<base64>`. */
export const CreatedOutgoingHook = Type.Intersect([OutgoingHook, Type.Object({ secret: Type.String() })]);
export type CreatedOutgoingHook = Type.Static<typeof CreatedOutgoingHook>;
export const OutgoingHookList = Type.Object({ hooks: Type.Array(OutgoingHook) });

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  at: Timestamp,
  /** The receiver's HTTP status, or null when there was no answer (timeout, refused target, connection error). */
  status: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(),
});

export const Delivery = Type.Object({
  /** The `webhook-id` header, the same on every attempt. */
  id: Type.String(),
  messageId: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Array(DeliveryAttempt),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
});
export type Delivery = Type.Static<typeof Delivery>;
export const DeliveryList = Type.Object({ deliveries: Type.Array(Delivery) });
