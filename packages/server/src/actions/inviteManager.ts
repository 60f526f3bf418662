import { randomUUID } from 'node:crypto';
import type { CreateInviteRequest } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { InviteRecord, WorkspaceRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';

/** A 256-bit code, shown once; only its hash is stored, so a database leak yields no invites. */
export async function createInvite(ctx: AppContext, userId: string, workspaceId: string, input: CreateInviteRequest) {
  requireWorkspaceAdmin(await accessWorkspace(ctx, userId, workspaceId));
  const now = ctx.clock.now();
  const code = randomToken();
  const invite: InviteRecord = {
    id: randomUUID(),
    workspaceId,
    codeHash: hashToken(code),
    createdBy: userId,
    createdAt: now,
    expiresAt: input.expiresInSeconds ? now + input.expiresInSeconds * 1000 : null,
    maxUses: input.maxUses ?? null,
    uses: 0,
    revokedAt: null,
  };
  await ctx.storage.workspaces.createInvite(invite);
  return { invite, code };
}

export async function listInvites(ctx: AppContext, userId: string, workspaceId: string): Promise<InviteRecord[]> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, userId, workspaceId));
  return ctx.storage.workspaces.listInvites(workspaceId);
}

export async function revokeInvite(ctx: AppContext, userId: string, workspaceId: string, inviteId: string): Promise<void> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, userId, workspaceId));
  if (!(await ctx.storage.workspaces.revokeInvite(workspaceId, inviteId, ctx.clock.now()))) {
    throw new AppError('NOT_FOUND', 'No such invite');
  }
}

/**
 * Joins the workspace of a live invite. Unknown, revoked, expired and used-up codes all get the
 * same answer. A member who accepts again is simply answered with the workspace (no use counted).
 */
export async function acceptInvite(ctx: AppContext, userId: string, code: string): Promise<WorkspaceRecord> {
  const now = ctx.clock.now();
  const joined = await ctx.storage.transaction(async (tx) => {
    const invite = await tx.workspaces.redeemInvite(hashToken(code), now);
    if (!invite) return undefined;
    if (await tx.workspaces.getMember(invite.workspaceId, userId)) {
      throw new AlreadyMember(invite.workspaceId);
    }
    await tx.workspaces.addMember({ workspaceId: invite.workspaceId, userId, role: 'member', joinedAt: now });
    return { workspaceId: invite.workspaceId, isNew: true };
  }).catch((err: unknown) => {
    // Rolled back, so the use is not counted.
    if (err instanceof AlreadyMember) return { workspaceId: err.workspaceId, isNew: false };
    throw err;
  });
  const workspace = joined && (await ctx.storage.workspaces.findById(joined.workspaceId));
  if (!workspace) throw new AppError('INVITE_INVALID', 'This invite is not valid (unknown, expired, revoked or used up)');
  if (joined.isNew) ctx.notifyWorkspaceMembership(userId, workspace.id, true);
  return workspace;
}

class AlreadyMember extends Error {
  constructor(readonly workspaceId: string) {
    super('already a member');
  }
}
