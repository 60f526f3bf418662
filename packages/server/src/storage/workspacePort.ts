/** Workspaces (tenants), their members and invites. */
export type WorkspaceRole = 'owner' | 'admin' | 'member';

export interface WorkspaceRecord {
  id: string;
  name: string;
  createdBy: string;
  createdAt: number;
}

export interface WorkspaceMemberRecord {
  workspaceId: string;
  userId: string;
  role: WorkspaceRole;
  joinedAt: number;
}

export interface MemberProfile extends WorkspaceMemberRecord {
  username: string;
  displayName: string;
  isBot?: boolean;
}

export interface InviteRecord {
  id: string;
  workspaceId: string;
  codeHash: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
  revokedAt: number | null;
}

export interface WorkspaceStore {
  create(workspace: WorkspaceRecord, owner: WorkspaceMemberRecord): Promise<void>;
  findById(id: string): Promise<WorkspaceRecord | undefined>;
  rename(id: string, name: string): Promise<void>;
  listForUser(userId: string): Promise<(WorkspaceRecord & { role: WorkspaceRole })[]>;
  getMember(workspaceId: string, userId: string): Promise<WorkspaceMemberRecord | undefined>;
  listMembers(workspaceId: string): Promise<MemberProfile[]>;
  /** False when the user was a member already. */
  addMember(member: WorkspaceMemberRecord): Promise<boolean>;
  setRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void>;
  /** Removes the membership and every channel membership in the workspace; returns those channel ids. */
  removeMember(workspaceId: string, userId: string): Promise<string[]>;

  createInvite(invite: InviteRecord): Promise<void>;
  listInvites(workspaceId: string): Promise<InviteRecord[]>;
  revokeInvite(workspaceId: string, inviteId: string, now: number): Promise<boolean>;
  /** Atomically counts one use of a live invite (not revoked, not expired, uses left). */
  redeemInvite(codeHash: string, now: number): Promise<InviteRecord | undefined>;
}
