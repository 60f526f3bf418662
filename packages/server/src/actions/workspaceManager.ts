import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { WorkspaceRecord, WorkspaceRole } from '../storage/port.js';
import { WorkspaceLimits, type StoredChannelEvent } from '@relaydesk/protocol';
import { AppError } from '../errors.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';
import { recordChange } from './changeRecorder.js';
import { normalizeLine } from './textRules.js';

export async function createWorkspace(ctx: AppContext, userId: string, name: string): Promise<WorkspaceRecord> {
  const now = ctx.clock.now();
  const workspace: WorkspaceRecord = { id: randomUUID(), name: normalizeLine(name, 'name', WorkspaceLimits.nameMax), createdBy: userId, createdAt: now };
  await ctx.storage.transaction((tx) =>
    tx.workspaces.create(workspace, { workspaceId: workspace.id, userId, role: 'owner', joinedAt: now }),
  );
  ctx.notifyWorkspaceMembership(userId, workspace.id, true);
  return workspace;
}

export async function renameWorkspace(ctx: AppContext, userId: string, workspaceId: string, name: string): Promise<WorkspaceRecord> {
  const access = await accessWorkspace(ctx, userId, workspaceId);
  requireWorkspaceAdmin(access);
  const trimmed = normalizeLine(name, 'name', WorkspaceLimits.nameMax);
  await ctx.storage.workspaces.rename(workspaceId, trimmed);
  return { ...access.workspace, name: trimmed };
}

/** Owners make and unmake admins; the owner's own role is not changed here. */
export async function changeRole(ctx: AppContext, userId: string, workspaceId: string, targetId: string, role: WorkspaceRole): Promise<void> {
  const access = await accessWorkspace(ctx, userId, workspaceId);
  if (access.member.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the owner can change roles');
  const target = await ctx.storage.workspaces.getMember(workspaceId, targetId);
  if (!target) throw new AppError('NOT_FOUND', 'No such member');
  if (target.role === 'owner') throw new AppError('FORBIDDEN', "The owner's role cannot be changed");
  await ctx.storage.workspaces.setRole(workspaceId, targetId, role);
}

/**
 * Removes a member (admins) or leaves (oneself). The owner cannot leave or be removed. Every
 * channel membership in the workspace ends in the same transaction, each with a numbered event.
 */
export async function removeWorkspaceMember(ctx: AppContext, userId: string, workspaceId: string, targetId: string): Promise<void> {
  const access = await accessWorkspace(ctx, userId, workspaceId);
  if (targetId !== userId) requireWorkspaceAdmin(access);
  const target = await ctx.storage.workspaces.getMember(workspaceId, targetId);
  if (!target) throw new AppError('NOT_FOUND', 'No such member');
  if (target.role === 'owner') throw new AppError('FORBIDDEN', 'The owner cannot leave or be removed');
  if (target.role === 'admin' && access.member.role !== 'owner' && targetId !== userId) {
    throw new AppError('FORBIDDEN', 'Only the owner can remove an admin');
  }
  const now = ctx.clock.now();
  const events = await ctx.storage.transaction(async (tx) => {
    const channelIds = await tx.workspaces.removeMember(workspaceId, targetId);
    const recorded: StoredChannelEvent[] = [];
    for (const channelId of channelIds) {
      recorded.push(await recordChange(tx, channelId, userId, now, { type: 'member.left', userId: targetId }));
    }
    return recorded;
  });
  ctx.publish(events);
  ctx.notifyWorkspaceMembership(targetId, workspaceId, false);
}
