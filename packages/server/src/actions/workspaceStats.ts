import type { WorkspaceStats } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';

/** The admin page's live figures: admins and owners only. */
export async function workspaceStats(ctx: AppContext, userId: string, workspaceId: string): Promise<WorkspaceStats> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, userId, workspaceId));
  const members = (await ctx.storage.workspaces.listMembers(workspaceId)).map((m) => m.userId);
  const [statuses, openConnections, messagesPerMinute] = await Promise.all([
    ctx.presence.statuses(members),
    ctx.liveActivity.connections(members),
    ctx.liveActivity.messagesLastMinute(workspaceId),
  ]);
  return {
    openConnections,
    messagesPerMinute,
    activeUsers: [...statuses.values()].filter((s) => s !== 'offline').length,
    members: members.length,
  };
}
