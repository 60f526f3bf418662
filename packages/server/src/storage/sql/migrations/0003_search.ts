import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * Full-text search over message bodies. The indexes follow every insert, edit and delete by
 * themselves (triggers on SQLite; a generated column and indexes on PostgreSQL), so no write path
 * has to remember to index, and a deleted message (deleted_at set) is never indexed.
 *
 * Two indexes per database: a word index (whole words and prefixes, ranked) and a trigram index
 * (any substring: partial words, and CJK text, which has no spaces between words).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) await upSqlite(db);
  else await upPostgres(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    for (const trigger of ['messages_search_ai', 'messages_search_au', 'messages_search_ad']) {
      await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
    }
    for (const table of ['message_fts_words', 'message_fts_trigram', 'message_search_keys']) {
      await sql`drop table if exists ${sql.id(table)}`.execute(db);
    }
  } else {
    // pg_trgm stays: other objects may have come to depend on it since.
    await sql`drop index if exists messages_body_trgm_idx`.execute(db);
    await sql`alter table messages drop column if exists body_tsv`.execute(db); // and its index
  }
}

/**
 * FTS5 needs an integer key per row. The implicit rowid of `messages` (text primary key) is not
 * it: VACUUM may renumber it. `message_search_keys.key` is an INTEGER PRIMARY KEY, i.e. an
 * explicit rowid alias, which VACUUM keeps. Both FTS tables are contentless (the text lives only
 * in `messages`) with contentless_delete=1 so a row can be removed by key alone.
 */
async function upSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table message_search_keys (
      key integer primary key,
      message_id text not null unique
    )`.execute(db);
  await sql`
    create virtual table message_fts_words using fts5(
      body, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 2"
    )`.execute(db);
  // The trigram tokenizer folds case by itself (case_sensitive 0 is its default).
  await sql`
    create virtual table message_fts_trigram using fts5(
      body, content='', contentless_delete=1, tokenize="trigram"
    )`.execute(db);

  await createIndexingTriggers(db);

  // Messages written before this migration.
  await sql`insert into message_search_keys (message_id) select id from messages order by created_at, id`.execute(db);
  await sql`
    insert into message_fts_words (rowid, body)
      select k.key, m.body from message_search_keys k join messages m on m.id = k.message_id
      where m.deleted_at is null`.execute(db);
  await sql`
    insert into message_fts_trigram (rowid, body)
      select k.key, m.body from message_search_keys k join messages m on m.id = k.message_id
      where m.deleted_at is null`.execute(db);
}

/**
 * The triggers that index every write as it happens (replaced by batch indexing in 0006, whose
 * `down` puts them back with this same function).
 */
export async function createIndexingTriggers(db: Kysely<unknown>): Promise<void> {
  // Index rows are written only for live messages; the key row exists for every message so an
  // update or delete always finds it.
  await sql`
    create trigger messages_search_ai after insert on messages begin
      insert into message_search_keys (message_id) values (new.id);
      insert into message_fts_words (rowid, body)
        select key, new.body from message_search_keys where message_id = new.id and new.deleted_at is null;
      insert into message_fts_trigram (rowid, body)
        select key, new.body from message_search_keys where message_id = new.id and new.deleted_at is null;
    end`.execute(db);
  // An edit or a delete (markDeleted empties the body and sets deleted_at): drop the old entry,
  // index the new body if the message is still live.
  await sql`
    create trigger messages_search_au after update of body, deleted_at on messages
    when old.body is not new.body or old.deleted_at is not new.deleted_at begin
      delete from message_fts_words where rowid = (select key from message_search_keys where message_id = old.id);
      delete from message_fts_trigram where rowid = (select key from message_search_keys where message_id = old.id);
      insert into message_fts_words (rowid, body)
        select key, new.body from message_search_keys where message_id = new.id and new.deleted_at is null;
      insert into message_fts_trigram (rowid, body)
        select key, new.body from message_search_keys where message_id = new.id and new.deleted_at is null;
    end`.execute(db);
  // Hard deletes (a channel or workspace cascade) take the index rows and the key with them.
  await sql`
    create trigger messages_search_ad after delete on messages begin
      delete from message_fts_words where rowid = (select key from message_search_keys where message_id = old.id);
      delete from message_fts_trigram where rowid = (select key from message_search_keys where message_id = old.id);
      delete from message_search_keys where message_id = old.id;
    end`.execute(db);
}

/**
 * The word index is over a stored generated column: PostgreSQL keeps it in step on every write,
 * and ranking reads it instead of re-parsing each candidate's body (to_tsvector per row made a
 * query matching most messages about 15x slower). Partial indexes (deleted_at is null) because
 * deleted messages are never searched. 'simple' (no stemming, no stop words) because a workspace
 * mixes languages; the trigram index covers the rest (partial words, CJK). pg_trgm is a trusted
 * extension: the database owner may create it without superuser rights.
 */
async function upPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    alter table messages add column body_tsv tsvector
    generated always as (to_tsvector('simple'::regconfig, body)) stored`.execute(db);
  await sql`create index messages_body_tsv_idx on messages using gin (body_tsv) where deleted_at is null`.execute(db);
  // On body itself: pg_trgm lower-cases its trigrams, so this index serves ILIKE.
  await sql`
    create index messages_body_trgm_idx on messages
    using gin (body gin_trgm_ops) where deleted_at is null`.execute(db);
}
