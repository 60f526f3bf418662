import { sql, SqliteAdapter, type Kysely } from 'kysely';
import { indexPendingSqlite } from '../searchIndexer.js';
import { createIndexingTriggers } from './0003_search.js';

/**
 * SQLite: the full-text indexes are filled in batches instead of by each write's own trigger.
 *
 * FTS5 writes a new index segment at the end of every transaction that touched it: with the
 * triggers of 0003 a one-message send spent ~190 µs of its ~265 µs in the two FTS5 indexes,
 * against ~20 µs per message when a hundred are indexed together. Writes now only mark their
 * message's key `pending`; `SqlSearchStore.indexPending` indexes what is pending in one
 * transaction — on a short timer, and always before a search runs, so a search still sees every
 * committed write. `indexed` says whether the index holds an entry for the key (to delete the
 * entry of an edited or deleted message, and never one that is not there).
 *
 * PostgreSQL's indexes (a generated tsvector, GIN with its own pending list) are unchanged.
 */
const TRIGGERS = ['messages_search_ai', 'messages_search_au', 'messages_search_ad'];

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  await sql`alter table message_search_keys add column indexed integer not null default 0`.execute(db);
  await sql`alter table message_search_keys add column pending integer not null default 0`.execute(db);
  // Under 0003's triggers a key has index entries exactly when its message is live.
  await sql`
    update message_search_keys set indexed = exists (
      select 1 from messages m where m.id = message_search_keys.message_id and m.deleted_at is null
    )`.execute(db);
  await sql`create index message_search_keys_pending on message_search_keys (key) where pending = 1`.execute(db);

  for (const trigger of TRIGGERS) {
    await sql`drop trigger ${sql.id(trigger)}`.execute(db);
  }
  await sql`
    create trigger messages_search_ai after insert on messages begin
      insert into message_search_keys (message_id, indexed, pending) values (new.id, 0, 1);
    end`.execute(db);
  await sql`
    create trigger messages_search_au after update of body, deleted_at on messages
    when old.body is not new.body or old.deleted_at is not new.deleted_at begin
      update message_search_keys set pending = 1 where message_id = new.id;
    end`.execute(db);
  // Hard deletes (a channel or workspace cascade) are rare: their entries go at once.
  await sql`
    create trigger messages_search_ad after delete on messages begin
      delete from message_fts_words where rowid = (select key from message_search_keys where message_id = old.id and indexed = 1);
      delete from message_fts_trigram where rowid = (select key from message_search_keys where message_id = old.id and indexed = 1);
      delete from message_search_keys where message_id = old.id;
    end`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return;
  // Index what is pending, then put 0003's triggers back.
  while ((await indexPendingSqlite(db, 10_000)) > 0);
  for (const trigger of TRIGGERS) {
    await sql`drop trigger ${sql.id(trigger)}`.execute(db);
  }
  await sql`drop index message_search_keys_pending`.execute(db);
  await sql`alter table message_search_keys drop column pending`.execute(db);
  await sql`alter table message_search_keys drop column indexed`.execute(db);
  await createIndexingTriggers(db);
}
