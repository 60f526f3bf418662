import type { Kysely } from 'kysely';

/**
 * SCIM 2.0 provisioning (RFC 7643/7644).
 *
 * A provisioned user is an ordinary user row with its SCIM identity beside it: the IdP's
 * `userName` exactly as sent (`scim_user_name`, unique per workspace case-insensitively through
 * `scim_user_name_lower`), its `externalId` (unique per workspace), and the workspace that
 * provisioned it. `deactivated_at` is set while the IdP says `active: false` (any user could be
 * deactivated; only SCIM does it today): logins are refused and every session was revoked.
 * A SCIM group is a private channel; `scim_groups` remembers which ones and their SCIM names.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('external_id', 'text').execute();
  await db.schema.alterTable('users').addColumn('deactivated_at', 'bigint').execute();
  await db.schema.alterTable('users').addColumn('scim_user_name', 'text').execute();
  await db.schema.alterTable('users').addColumn('scim_user_name_lower', 'text').execute();
  await db.schema.alterTable('users').addColumn('scim_workspace_id', 'text').execute();
  await db.schema.createIndex('users_scim_user_name_idx').on('users').columns(['scim_workspace_id', 'scim_user_name_lower']).unique().execute();
  await db.schema.createIndex('users_scim_external_id_idx').on('users').columns(['scim_workspace_id', 'external_id']).unique().execute();

  await db.schema
    .createTable('scim_groups')
    .addColumn('channel_id', 'text', (c) => c.primaryKey().references('channels.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scim_groups_workspace_idx').on('scim_groups').columns(['workspace_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scim_groups').execute();
  await db.schema.dropIndex('users_scim_user_name_idx').execute();
  await db.schema.dropIndex('users_scim_external_id_idx').execute();
  for (const column of ['external_id', 'deactivated_at', 'scim_user_name', 'scim_user_name_lower', 'scim_workspace_id']) {
    await db.schema.alterTable('users').dropColumn(column).execute();
  }
}
