import type { Kysely } from 'kysely';

/**
 * App events: topics per workspace, each with its own gap-free sequence (`app_topics.last_seq`,
 * taken in the transaction that stores the event, so a rollback takes no number), and the
 * Idempotency-Key of each accepted request with a fingerprint of its body.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('app_topics')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_topics_pk', ['workspace_id', 'topic'])
    .execute();
  await db.schema
    .createTable('app_events')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_events_pk', ['workspace_id', 'topic', 'seq'])
    .addForeignKeyConstraint('app_events_topic_fk', ['workspace_id', 'topic'], 'app_topics', ['workspace_id', 'topic'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema
    .createTable('app_event_keys')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('app_event_keys_pk', ['workspace_id', 'idempotency_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['app_event_keys', 'app_events', 'app_topics']) await db.schema.dropTable(table).execute();
}
