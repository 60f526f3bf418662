import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';

export interface AuditEvent {
  workspaceId: string;
  action: string;
  actorUserId: string | null;
  tokenId: string | null;
  target: string | null;
  ip: string | null;
}

export async function recordAudit(ctx: AppContext, event: AuditEvent): Promise<void> {
  await ctx.storage.audit.append({ id: randomUUID(), createdAt: ctx.clock.now(), ...event });
}

/** A workspace's audit log, newest first: its admins only. */
export async function readAuditLog(ctx: AppContext, userId: string, workspaceId: string, query: { before?: string; limit?: number }): Promise<AuditEntry[]> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, userId, workspaceId));
  const before = query.before === undefined ? undefined : Date.parse(query.before);
  const rows = await ctx.storage.audit.list(workspaceId, { before: Number.isNaN(before) ? undefined : before, limit: query.limit ?? 50 });
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    actorUserId: r.actorUserId,
    tokenId: r.tokenId,
    target: r.target,
    ip: r.ip,
    createdAt: new Date(r.createdAt).toISOString(),
  }));
}
