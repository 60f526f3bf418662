import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_accounts.js';
import * as m0002 from './0002_chat.js';
import * as m0003 from './0003_search.js';
import * as m0004 from './0004_mention_index.js';
import * as m0005 from './0005_files.js';
import * as m0006 from './0006_search_batches.js';
import * as m0007 from './0007_deleted_content.js';
import * as m0008 from './0008_api_tokens.js';
import * as m0009 from './0009_incoming_hooks.js';
import * as m0010 from './0010_audit_log.js';
import * as m0011 from './0011_outgoing_hooks.js';
import * as m0012 from './0012_app_events.js';
import * as m0013 from './0013_scim.js';
import * as m0014 from './0014_password_links.js';

/**
 * Migrations ship inside the build (no directory scanning at run time). Names sort in the order
 * they must run; never rename or edit one that has shipped — add a new one.
 */
const migrations: Record<string, Migration> = {
  '0001_accounts': m0001,
  '0002_chat': m0002,
  '0003_search': m0003,
  '0004_mention_index': m0004,
  '0005_files': m0005,
  '0006_search_batches': m0006,
  '0007_deleted_content': m0007,
  '0008_api_tokens': m0008,
  '0009_incoming_hooks': m0009,
  '0010_audit_log': m0010,
  '0011_outgoing_hooks': m0011,
  '0012_app_events': m0012,
  '0013_scim': m0013,
  '0014_password_links': m0014,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
