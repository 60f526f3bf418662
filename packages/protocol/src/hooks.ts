import Type from 'typebox';
import { MessageLimits } from './messages.js';
import { Timestamp } from './scalars.js';

export const HookLimits = {
  nameMax: 64,
  attachmentsMax: 20,
  fieldsMax: 20,
  /** Per hook per minute (WEBHOOK_RATE_PER_MIN). */
  defaultPerMinute: 60,
} as const;

const Short = (max: number) => Type.String({ maxLength: max });

/** One Slack/Mattermost attachment: the parts RelayDesk renders (as Markdown under the text); other keys are accepted and ignored. */
export const HookAttachment = Type.Object({
  fallback: Type.Optional(Short(MessageLimits.bodyMax)),
  pretext: Type.Optional(Short(MessageLimits.bodyMax)),
  author_name: Type.Optional(Short(256)),
  title: Type.Optional(Short(256)),
  title_link: Type.Optional(Short(2048)),
  text: Type.Optional(Short(MessageLimits.bodyMax)),
  fields: Type.Optional(
    Type.Array(Type.Object({ title: Type.Optional(Short(256)), value: Type.Optional(Short(2048)), short: Type.Optional(Type.Boolean()) }), { maxItems: HookLimits.fieldsMax }),
  ),
  footer: Type.Optional(Short(256)),
});

/** The Mattermost/Slack incoming-webhook body (`text` required). Unknown keys (channel, icon_emoji, blocks…) are accepted and ignored. */
export const IncomingHookPayload = Type.Object({
  text: Type.String({ minLength: 1, maxLength: MessageLimits.bodyMax }),
  username: Type.Optional(Short(64)),
  icon_url: Type.Optional(Short(2048)),
  attachments: Type.Optional(Type.Array(HookAttachment, { maxItems: HookLimits.attachmentsMax })),
  props: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type IncomingHookPayload = Type.Static<typeof IncomingHookPayload>;

export const CreateIncomingHookRequest = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: HookLimits.nameMax, pattern: '\\S' }) },
  { additionalProperties: false },
);
export type CreateIncomingHookRequest = Type.Static<typeof CreateIncomingHookRequest>;

export const IncomingHook = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  name: Type.String(),
  /** The bot user the hook posts as. */
  botUserId: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});
export type IncomingHook = Type.Static<typeof IncomingHook>;

/** Only on creation and rotation: the URL holds the secret, which is stored hashed. */
export const IncomingHookWithUrl = Type.Intersect([IncomingHook, Type.Object({ url: Type.String() })]);
export type IncomingHookWithUrl = Type.Static<typeof IncomingHookWithUrl>;

export const IncomingHookList = Type.Object({ hooks: Type.Array(IncomingHook) });
