import type { Kysely, Selectable } from 'kysely';
import type { IncomingHookRecord, IncomingHookStore } from '../port.js';
import type { Database, IncomingHooksTable } from './schema.js';

const toRecord = (row: Selectable<IncomingHooksTable>): IncomingHookRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  channelId: row.channel_id,
  botUserId: row.bot_user_id,
  name: row.name,
  createdBy: row.created_by,
  createdAt: row.created_at,
  rotatedAt: row.rotated_at,
  lastUsedAt: row.last_used_at,
});

export class SqlIncomingHookStore implements IncomingHookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(hook: IncomingHookRecord & { secretHash: string }): Promise<void> {
    await this.db
      .insertInto('incoming_hooks')
      .values({
        id: hook.id,
        workspace_id: hook.workspaceId,
        channel_id: hook.channelId,
        bot_user_id: hook.botUserId,
        name: hook.name,
        secret_hash: hook.secretHash,
        created_by: hook.createdBy,
        created_at: hook.createdAt,
        rotated_at: null,
        last_used_at: null,
      })
      .execute();
  }

  async findBySecretHash(secretHash: string): Promise<IncomingHookRecord | undefined> {
    const row = await this.db.selectFrom('incoming_hooks').selectAll().where('secret_hash', '=', secretHash).executeTakeFirst();
    return row && toRecord(row);
  }

  async findById(id: string): Promise<IncomingHookRecord | undefined> {
    const row = await this.db.selectFrom('incoming_hooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async listForChannel(channelId: string): Promise<IncomingHookRecord[]> {
    return (await this.db.selectFrom('incoming_hooks').selectAll().where('channel_id', '=', channelId).orderBy('created_at').execute()).map(toRecord);
  }

  async rotate(id: string, secretHash: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable('incoming_hooks').set({ secret_hash: secretHash, rotated_at: now }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('incoming_hooks').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('incoming_hooks').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
