import Type from 'typebox';
import { Id, LineText, Timestamp } from './scalars.js';

export const ChannelKind = Type.Union([Type.Literal('public'), Type.Literal('private'), Type.Literal('dm'), Type.Literal('group_dm')]);
export type ChannelKind = Type.Static<typeof ChannelKind>;

export const Channel = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  kind: ChannelKind,
  /** Null for DMs, whose name is their members'. */
  name: Type.Union([Type.String(), Type.Null()]),
  slug: Type.Union([Type.String(), Type.Null()]),
  topic: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  archived: Type.Boolean(),
  /** The sequence number of the channel's latest durable change. */
  lastSeq: Type.Integer(),
  /** Whether the caller is a member (public channels are visible to non-members). */
  isMember: Type.Boolean(),
  /** For DMs and group DMs: every member's user id. */
  memberIds: Type.Optional(Type.Array(Type.String())),
});
export type Channel = Type.Static<typeof Channel>;
export const ChannelList = Type.Object({ channels: Type.Array(Channel) });

export const ChannelLimits = { channelNameMax: 80, topicMax: 250, groupDmMax: 8 } as const;
const ChannelName = LineText(ChannelLimits.channelNameMax, { description: 'The channel name (its slug is derived from it)' });
const Topic = LineText(ChannelLimits.topicMax, { allowEmpty: true, description: 'The channel topic' });

export const CreateChannelRequest = Type.Object(
  {
    name: ChannelName,
    kind: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
    topic: Type.Optional(Topic),
    /** Initial members besides the creator (workspace members only). */
    memberIds: Type.Optional(Type.Array(Id, { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type CreateChannelRequest = Type.Static<typeof CreateChannelRequest>;

export const UpdateChannelRequest = Type.Object(
  {
    name: Type.Optional(ChannelName),
    topic: Type.Optional(Topic),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateChannelRequest = Type.Static<typeof UpdateChannelRequest>;

/** One other user: a DM (idempotent). Two to seven others: a group DM (idempotent per member set). */
export const OpenConversationRequest = Type.Object(
  { userIds: Type.Array(Id, { minItems: 1, maxItems: ChannelLimits.groupDmMax - 1, uniqueItems: true }) },
  { additionalProperties: false },
);
export type OpenConversationRequest = Type.Static<typeof OpenConversationRequest>;

export const AddMemberRequest = Type.Object({ userId: Id }, { additionalProperties: false });

export const ChannelMember = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  joinedAt: Timestamp,
});
export const ChannelMemberList = Type.Object({ members: Type.Array(ChannelMember) });

export const ChannelParams = Type.Object({ channelId: Id });
export const ChannelMemberParams = Type.Object({ channelId: Id, userId: Id });
export const UserParams = Type.Object({ userId: Id });

export const BlockList = Type.Object({ blockedUserIds: Type.Array(Type.String()) });
