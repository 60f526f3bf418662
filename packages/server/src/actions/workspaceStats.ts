import type { WorkspaceStats } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';

/** The admin page's live figures: admins and owners only. */
export async function workspaceStats(ctx: AppContext, userId: string, workspaceId: string): Promise<WorkspaceStats> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, userId, workspaceId));
  const members = (await ctx.storage.workspaces.listMembers(workspaceId)).map((m) => m.userId);
  const statuses = await ctx.presence.statuses(members);
  return {
    openConnections: ctx.liveActivity.connections(members),
    messagesPerMinute: ctx.liveActivity.messagesLastMinute(workspaceId),
    activeUsers: [...statuses.values()].filter((s) => s !== 'offline').length,
    members: members.length,
  };
}
