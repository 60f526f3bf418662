import type { Kysely, Selectable } from 'kysely';
import type { ScimGroupRecord, ScimGroupStore } from '../port.js';
import type { Database, ScimGroupsTable } from './schema.js';

const toGroup = (row: Selectable<ScimGroupsTable>): ScimGroupRecord => ({
  channelId: row.channel_id,
  workspaceId: row.workspace_id,
  displayName: row.display_name,
  externalId: row.external_id,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** Which private channels are SCIM groups, and under which SCIM names (migration 0013). */
export class SqlScimGroupStore implements ScimGroupStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(group: ScimGroupRecord): Promise<void> {
    await this.db
      .insertInto('scim_groups')
      .values({
        channel_id: group.channelId,
        workspace_id: group.workspaceId,
        display_name: group.displayName,
        external_id: group.externalId,
        created_at: group.createdAt,
        updated_at: group.updatedAt,
      })
      .execute();
  }

  async find(workspaceId: string, channelId: string): Promise<ScimGroupRecord | undefined> {
    const row = await this.db.selectFrom('scim_groups').selectAll().where('workspace_id', '=', workspaceId).where('channel_id', '=', channelId).executeTakeFirst();
    return row && toGroup(row);
  }

  async list(workspaceId: string, filter: { displayName?: string; externalId?: string }, offset: number, limit: number) {
    let base = this.db.selectFrom('scim_groups').where('workspace_id', '=', workspaceId);
    if (filter.displayName !== undefined) base = base.where('display_name', '=', filter.displayName);
    if (filter.externalId !== undefined) base = base.where('external_id', '=', filter.externalId);
    const counted = await base.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('created_at').orderBy('channel_id').limit(limit).offset(offset).execute();
    return { total: Number(counted.n), groups: rows.map(toGroup) };
  }

  async update(channelId: string, changes: Partial<Pick<ScimGroupRecord, 'displayName' | 'externalId' | 'updatedAt'>>): Promise<void> {
    await this.db
      .updateTable('scim_groups')
      .set({
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
        ...(changes.updatedAt !== undefined ? { updated_at: changes.updatedAt } : {}),
      })
      .where('channel_id', '=', channelId)
      .execute();
  }

  async delete(channelId: string): Promise<void> {
    await this.db.deleteFrom('scim_groups').where('channel_id', '=', channelId).execute();
  }
}
