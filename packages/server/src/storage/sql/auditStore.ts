import type { Kysely } from 'kysely';
import type { AuditRecord, AuditStore } from '../port.js';
import type { Database } from './schema.js';

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: AuditRecord): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: e.id,
        workspace_id: e.workspaceId,
        actor_user_id: e.actorUserId,
        token_id: e.tokenId,
        action: e.action,
        target: e.target,
        ip: e.ip,
        created_at: e.createdAt,
      })
      .execute();
  }

  async list(workspaceId: string, { before, limit }: { before?: number; limit: number }): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('audit_log').selectAll().where('workspace_id', '=', workspaceId);
    if (before !== undefined) query = query.where('created_at', '<', before);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      actorUserId: r.actor_user_id,
      tokenId: r.token_id,
      action: r.action,
      target: r.target,
      ip: r.ip,
      createdAt: Number(r.created_at),
    }));
  }
}
