import Type from 'typebox';
import { Id, LineText, Timestamp } from './scalars.js';

export const WorkspaceLimits = { nameMax: 80 } as const;
const Name = LineText(WorkspaceLimits.nameMax, { description: 'The workspace name' });

export const WorkspaceRole = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type WorkspaceRole = Type.Static<typeof WorkspaceRole>;

export const Workspace = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Timestamp,
  /** The caller's role in it. */
  role: WorkspaceRole,
});
export type Workspace = Type.Static<typeof Workspace>;

export const WorkspaceList = Type.Object({ workspaces: Type.Array(Workspace) });

export const CreateWorkspaceRequest = Type.Object({ name: Name }, { additionalProperties: false });
export type CreateWorkspaceRequest = Type.Static<typeof CreateWorkspaceRequest>;
export const RenameWorkspaceRequest = CreateWorkspaceRequest;

export const Member = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: WorkspaceRole,
  joinedAt: Timestamp,
  /** Present (true) only for bots. */
  isBot: Type.Optional(Type.Literal(true)),
});
export type Member = Type.Static<typeof Member>;
export const MemberList = Type.Object({ members: Type.Array(Member) });

export const ChangeRoleRequest = Type.Object(
  { role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) },
  { additionalProperties: false },
);

export const CreateInviteRequest = Type.Object(
  {
    /** Seconds from now; omitted = never expires. Up to 30 days. */
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type CreateInviteRequest = Type.Static<typeof CreateInviteRequest>;

export const Invite = Type.Object({
  id: Type.String(),
  workspaceId: Type.String(),
  createdAt: Timestamp,
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  uses: Type.Integer(),
  revoked: Type.Boolean(),
});
export type Invite = Type.Static<typeof Invite>;
/** The code is shown once, at creation; only its hash is stored. */
export const CreatedInvite = Type.Intersect([Invite, Type.Object({ code: Type.String() })]);
export const InviteList = Type.Object({ invites: Type.Array(Invite) });
export const AcceptInviteRequest = Type.Object({ code: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

export const WorkspaceParams = Type.Object({ workspaceId: Id });
export const WorkspaceMemberParams = Type.Object({ workspaceId: Id, userId: Id });
export const WorkspaceInviteParams = Type.Object({ workspaceId: Id, inviteId: Id });

/** Live figures for workspace admins (per node; see docs/operations.md). */
export const WorkspaceStats = Type.Object({
  /** WebSocket and event-stream connections of the workspace's members. */
  openConnections: Type.Integer(),
  /** Messages created in the workspace's channels over the last 60 seconds. */
  messagesPerMinute: Type.Integer(),
  /** Members who are online or away right now. */
  activeUsers: Type.Integer(),
  members: Type.Integer(),
});
export type WorkspaceStats = Type.Static<typeof WorkspaceStats>;
