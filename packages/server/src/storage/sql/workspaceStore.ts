import type { Kysely, Selectable } from 'kysely';
import type { InviteRecord, MemberProfile, WorkspaceMemberRecord, WorkspaceRecord, WorkspaceRole, WorkspaceStore } from '../workspacePort.js';
import type { Database, InvitesTable } from './schema.js';
import { NotFoundError } from '../errors.js';

const toInvite = (r: Selectable<InvitesTable>): InviteRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  codeHash: r.code_hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  maxUses: r.max_uses,
  uses: r.uses,
  revokedAt: r.revoked_at,
});

export class SqlWorkspaceStore implements WorkspaceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(workspace: WorkspaceRecord, owner: WorkspaceMemberRecord): Promise<void> {
    await this.db
      .insertInto('workspaces')
      .values({ id: workspace.id, name: workspace.name, created_by: workspace.createdBy, created_at: workspace.createdAt })
      .execute();
    await this.addMember(owner);
  }

  async findById(id: string): Promise<WorkspaceRecord | undefined> {
    const r = await this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdBy: r.created_by, createdAt: r.created_at };
  }

  async rename(id: string, name: string): Promise<void> {
    const res = await this.db.updateTable('workspaces').set({ name }).where('id', '=', id).executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw new NotFoundError('workspace');
  }

  async listForUser(userId: string) {
    const rows = await this.db
      .selectFrom('workspaces as w')
      .innerJoin('workspace_members as m', 'm.workspace_id', 'w.id')
      .select(['w.id', 'w.name', 'w.created_by', 'w.created_at', 'm.role'])
      .where('m.user_id', '=', userId)
      .orderBy('w.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdBy: r.created_by, createdAt: r.created_at, role: r.role as WorkspaceRole }));
  }

  async getMember(workspaceId: string, userId: string): Promise<WorkspaceMemberRecord | undefined> {
    const r = await this.db
      .selectFrom('workspace_members')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r && { workspaceId: r.workspace_id, userId: r.user_id, role: r.role as WorkspaceRole, joinedAt: r.joined_at };
  }

  async listMembers(workspaceId: string): Promise<MemberProfile[]> {
    const rows = await this.db
      .selectFrom('workspace_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.workspace_id', 'm.user_id', 'm.role', 'm.joined_at', 'u.username', 'u.display_name', 'u.is_bot'])
      .where('m.workspace_id', '=', workspaceId)
      .orderBy('u.username')
      .execute();
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      userId: r.user_id,
      role: r.role as WorkspaceRole,
      joinedAt: r.joined_at,
      username: r.username,
      displayName: r.display_name,
      ...(r.is_bot === 1 ? { isBot: true } : {}),
    }));
  }

  async addMember(member: WorkspaceMemberRecord): Promise<boolean> {
    const res = await this.db
      .insertInto('workspace_members')
      .values({ workspace_id: member.workspaceId, user_id: member.userId, role: member.role, joined_at: member.joinedAt })
      .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async setRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<void> {
    const res = await this.db
      .updateTable('workspace_members')
      .set({ role })
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw new NotFoundError('member');
  }

  async removeMember(workspaceId: string, userId: string): Promise<string[]> {
    const channels = await this.db
      .selectFrom('channel_members as cm')
      .innerJoin('channels as c', 'c.id', 'cm.channel_id')
      .select('cm.channel_id')
      .where('c.workspace_id', '=', workspaceId)
      .where('cm.user_id', '=', userId)
      .execute();
    const ids = channels.map((c) => c.channel_id);
    if (ids.length > 0) {
      await this.db.deleteFrom('channel_members').where('user_id', '=', userId).where('channel_id', 'in', ids).execute();
    }
    await this.db.deleteFrom('workspace_members').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
    return ids;
  }

  async createInvite(i: InviteRecord): Promise<void> {
    await this.db
      .insertInto('invites')
      .values({
        id: i.id,
        workspace_id: i.workspaceId,
        code_hash: i.codeHash,
        created_by: i.createdBy,
        created_at: i.createdAt,
        expires_at: i.expiresAt,
        max_uses: i.maxUses,
        uses: i.uses,
        revoked_at: i.revokedAt,
      })
      .execute();
  }

  async listInvites(workspaceId: string): Promise<InviteRecord[]> {
    const rows = await this.db.selectFrom('invites').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').execute();
    return rows.map(toInvite);
  }

  async revokeInvite(workspaceId: string, inviteId: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('invites')
      .set({ revoked_at: now })
      .where('id', '=', inviteId)
      .where('workspace_id', '=', workspaceId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }

  async redeemInvite(codeHash: string, now: number): Promise<InviteRecord | undefined> {
    // One conditional update: concurrent redemptions cannot exceed max_uses.
    const row = await this.db
      .updateTable('invites')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('code_hash', '=', codeHash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
      .returningAll()
      .executeTakeFirst();
    return row && toInvite(row);
  }
}
