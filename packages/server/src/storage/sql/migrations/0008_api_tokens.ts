import type { Kysely } from 'kysely';

/**
 * Personal access tokens and bot users.
 *
 * A token signs in like a session: each has its own `sessions` row (`kind = 'token'`, with the
 * token's scopes), so that revoking it, deactivating its user or changing a password ends it
 * exactly as it ends a browser session — live sockets included — with no second revocation path.
 * Only the token's SHA-256 is stored. A bot is a user with `is_bot = 1` and no usable password,
 * created in one workspace by one of its admins.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('is_bot', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('bot_workspace_id', 'text').execute();
  await db.schema.alterTable('users').addColumn('bot_created_by', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('kind', 'text', (c) => c.notNull().defaultTo('login')).execute();
  await db.schema.alterTable('sessions').addColumn('scopes', 'text').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('last_used_ip', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();
  await db.schema.createIndex('users_bot_workspace_idx').on('users').column('bot_workspace_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_tokens').execute();
  for (const column of ['kind', 'scopes']) await db.schema.alterTable('sessions').dropColumn(column).execute();
  await db.schema.dropIndex('users_bot_workspace_idx').execute();
  for (const column of ['is_bot', 'bot_workspace_id', 'bot_created_by']) await db.schema.alterTable('users').dropColumn(column).execute();
}
