import { sql, type Kysely } from 'kysely';

/**
 * Channel-wide mentions (@channel, @here) are rare; a partial index over just those messages lets
 * the unread query count them without walking every unread message of a busy channel.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('messages_channel_mentions_idx')
    .on('messages')
    .columns(['channel_id', 'seq'])
    .where(sql.ref('mentions_channel'), '=', 1)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_channel_mentions_idx').execute();
}
