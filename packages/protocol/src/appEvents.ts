import Type from 'typebox';
import { Timestamp } from './scalars.js';

export const AppEventLimits = {
  /** The JSON of `data`, in bytes. */
  dataMaxBytes: 16 * 1024,
  idempotencyKeyMax: 255,
  /** Topics one connection may follow at once. */
  subscriptionsMax: 50,
  pageMax: 500,
} as const;

/** A topic of a workspace, e.g. `checkins`: lower-case, digits, `.`, `_`, `-`. */
export const AppEventTopic = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9._-]*$' });
export const AppEventType = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' });

export const AppEventInput = Type.Object(
  { topic: AppEventTopic, type: AppEventType, data: Type.Record(Type.String(), Type.Unknown()) },
  { additionalProperties: false },
);
export type AppEventInput = Type.Static<typeof AppEventInput>;

export const AppEvent = Type.Object({
  workspaceId: Type.String(),
  topic: Type.String(),
  /** Per topic, from 1, with no gaps. */
  seq: Type.Integer(),
  type: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  actorId: Type.String(),
  createdAt: Timestamp,
});
export type AppEvent = Type.Static<typeof AppEvent>;

export const AppEventQuery = Type.Object(
  {
    topic: AppEventTopic,
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AppEventLimits.pageMax })),
  },
  { additionalProperties: false },
);
export const AppEventPage = Type.Object({ events: Type.Array(AppEvent), lastSeq: Type.Integer() });
export type AppEventPage = Type.Static<typeof AppEventPage>;
