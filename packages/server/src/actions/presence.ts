import type { PresenceStatus } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { accessWorkspace } from '../policies/workspaceAccess.js';

/** Every member of a workspace with their presence: the snapshot live `presence` frames then update. */
export async function workspacePresence(ctx: AppContext, userId: string, workspaceId: string): Promise<{ userId: string; status: PresenceStatus }[]> {
  await accessWorkspace(ctx, userId, workspaceId);
  const members = await ctx.storage.workspaces.listMembers(workspaceId);
  const statuses = await ctx.presence.statuses(members.map((m) => m.userId));
  return members.map((m) => ({ userId: m.userId, status: statuses.get(m.userId) ?? 'offline' }));
}
