import type { Kysely } from 'kysely';
import type { BlockStore } from '../channelPort.js';
import type { Database } from './schema.js';

export class SqlBlockStore implements BlockStore {
  constructor(private readonly db: Kysely<Database>) {}

  async block(blockerId: string, blockedId: string, now: number): Promise<void> {
    await this.db
      .insertInto('blocks')
      .values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now })
      .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
      .execute();
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).execute();
  }

  async listBlocked(blockerId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('blocks').select('blocked_id').where('blocker_id', '=', blockerId).orderBy('created_at').execute();
    return rows.map((r) => r.blocked_id);
  }

  async blockersAmong(userId: string, userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('blocks')
      .select('blocker_id')
      .where('blocked_id', '=', userId)
      .where('blocker_id', 'in', userIds)
      .execute();
    return rows.map((r) => r.blocker_id);
  }
}
