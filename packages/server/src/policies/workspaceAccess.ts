import type { AppContext } from '../context.js';
import type { WorkspaceMemberRecord, WorkspaceRecord, WorkspaceRole } from '../storage/port.js';
import { AppError } from '../errors.js';

export interface WorkspaceAccess {
  workspace: WorkspaceRecord;
  member: WorkspaceMemberRecord;
}

export const isAdminRole = (role: WorkspaceRole): boolean => role === 'owner' || role === 'admin';

/**
 * The chokepoint for workspace data: members get the workspace, everyone else a 404 that looks
 * exactly like a missing workspace, so ids of other tenants reveal nothing.
 */
export async function accessWorkspace(ctx: AppContext, userId: string, workspaceId: string): Promise<WorkspaceAccess> {
  const member = await ctx.storage.workspaces.getMember(workspaceId, userId);
  const workspace = member && (await ctx.storage.workspaces.findById(workspaceId));
  if (!member || !workspace) throw new AppError('NOT_FOUND', 'No such workspace');
  return { workspace, member };
}

export function requireWorkspaceAdmin(access: WorkspaceAccess): void {
  if (!isAdminRole(access.member.role)) throw new AppError('FORBIDDEN', 'Only workspace admins can do that');
}

/** Workspace members among `userIds`; a 404 names none of them if any is not (no membership probing). */
export async function requireWorkspaceMembers(ctx: AppContext, workspaceId: string, userIds: string[]): Promise<void> {
  for (const id of userIds) {
    if (!(await ctx.storage.workspaces.getMember(workspaceId, id))) throw new AppError('NOT_FOUND', 'No such user in this workspace');
  }
}
