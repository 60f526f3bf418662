import { sql, SqliteAdapter, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { scrubMessageEvents } from '../eventStore.js';

/**
 * A deleted message's content goes from storage, not only from what reads return.
 *
 * 1. `channel_events.edited_message_id` names the message of each `message.edited` event, so a
 *    deletion finds the events that carry its text (its `message.created` is at its own seq) and
 *    rewrites them to its tombstone (`scrubMessageEvents`). Backfilled here.
 * 2. Messages deleted before this migration: their events are rewritten now, and any edit
 *    history, mentions or reactions left of them removed.
 * 3. SQLite: the full-text tables of 0003 were `contentless_delete=1`, where deleting an entry
 *    only records its rowid as deleted: the words stay in the index's segments until a merge
 *    happens to rewrite them, which for old segments may be never. They are rebuilt as plain
 *    contentless tables with FTS5's `secure-delete` option, and the triggers remove an entry with
 *    FTS5's 'delete' command, which takes the indexed text itself (old.body) and removes its words
 *    from the index pages. That text is known exactly: an entry (`indexed = 1`) always holds the
 *    message's current body, because every change of the body removes it first (and the batch
 *    indexer writes a new one later). With `secure_delete` on the connection (connect.ts), freed
 *    pages are zeroed, so the words leave the database file too.
 *
 * PostgreSQL keeps old row versions until VACUUM reclaims them; no query can reach them.
 */
export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Kysely<Database>;
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  // Kysely runs SQLite migrations outside a transaction: this one is all or nothing anyway.
  if (sqlite) await db.transaction().execute((tx) => upAll(tx, true));
  else await upAll(db, false);
}

async function upAll(db: Kysely<Database>, sqlite: boolean): Promise<void> {
  await db.schema.alterTable('channel_events').addColumn('edited_message_id', 'text').execute();
  const editedId = sqlite ? sql`json_extract(payload, '$.message.id')` : sql`(payload::jsonb -> 'message' ->> 'id')`;
  const type = sqlite ? sql`json_extract(payload, '$.type')` : sql`(payload::jsonb ->> 'type')`;
  await sql`update channel_events set edited_message_id = ${editedId} where ${type} = 'message.edited'`.execute(db);
  await db.schema
    .createIndex('channel_events_edited_message_idx')
    .on('channel_events')
    .column('edited_message_id')
    .where(sql.ref('edited_message_id'), 'is not', null)
    .execute();

  await scrubDeletedMessages(db);
  if (sqlite) await rebuildSqliteSearch(db);
}

/** In pages by id, so that a database with many deleted messages is not read into memory at once. */
async function scrubDeletedMessages(db: Kysely<Database>): Promise<void> {
  let afterId = '';
  for (;;) {
    const page = await db
      .selectFrom('messages')
      .select(['id', 'channel_id', 'seq'])
      .where('deleted_at', 'is not', null)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(500)
      .execute();
    if (page.length === 0) break;
    for (const m of page) await scrubMessageEvents(db, { id: m.id, channelId: m.channel_id, seq: m.seq });
    afterId = page.at(-1)!.id;
  }
  const deleted = db.selectFrom('messages').select('id').where('deleted_at', 'is not', null);
  for (const table of ['message_edits', 'mentions', 'reactions'] as const) {
    await db.deleteFrom(table).where('message_id', 'in', deleted).execute();
  }
}

const TOKENIZERS = {
  message_fts_words: sql.raw(`tokenize="unicode61 remove_diacritics 2"`),
  // The trigram tokenizer folds case by itself (case_sensitive 0 is its default).
  message_fts_trigram: sql.raw(`tokenize="trigram"`),
};

async function rebuildSqliteSearch(db: Kysely<Database>): Promise<void> {
  await dropSearchTriggers(db);
  for (const [table, tokenize] of Object.entries(TOKENIZERS)) {
    const fts = sql.table(table);
    await sql`drop table ${fts}`.execute(db);
    await sql`create virtual table ${fts} using fts5(body, content='', ${tokenize})`.execute(db);
    await sql`insert into ${fts} (${fts}, rank) values ('secure-delete', 1)`.execute(db);
  }
  await indexLiveMessages(db);
  await sql`
    create trigger messages_search_au after update of body, deleted_at on messages
    when old.body is not new.body or old.deleted_at is not new.deleted_at begin
      insert into message_fts_words (message_fts_words, rowid, body)
        select 'delete', key, old.body from message_search_keys where message_id = old.id and indexed = 1;
      insert into message_fts_trigram (message_fts_trigram, rowid, body)
        select 'delete', key, old.body from message_search_keys where message_id = old.id and indexed = 1;
      update message_search_keys set pending = 1, indexed = 0 where message_id = new.id;
    end`.execute(db);
  await sql`
    create trigger messages_search_ad after delete on messages begin
      insert into message_fts_words (message_fts_words, rowid, body)
        select 'delete', key, old.body from message_search_keys where message_id = old.id and indexed = 1;
      insert into message_fts_trigram (message_fts_trigram, rowid, body)
        select 'delete', key, old.body from message_search_keys where message_id = old.id and indexed = 1;
      delete from message_search_keys where message_id = old.id;
    end`.execute(db);
}

/** Every live message indexed at once, nothing left pending: the state both versions start from. */
async function indexLiveMessages(db: Kysely<Database>): Promise<void> {
  for (const table of Object.keys(TOKENIZERS)) {
    await sql`
      insert into ${sql.table(table)} (rowid, body)
        select k.key, m.body from message_search_keys k join messages m on m.id = k.message_id
        where m.deleted_at is null`.execute(db);
  }
  await sql`
    update message_search_keys set pending = 0, indexed = exists (
      select 1 from messages m where m.id = message_search_keys.message_id and m.deleted_at is null
    )`.execute(db);
}

async function dropSearchTriggers(db: Kysely<Database>): Promise<void> {
  await sql`drop trigger messages_search_au`.execute(db);
  await sql`drop trigger messages_search_ad`.execute(db);
}

/** Back to 0006's tables and triggers. The rewritten events stay rewritten: that text is gone. */
export async function down(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as unknown as Kysely<Database>;
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const run = async (tx: Kysely<Database>) => {
    await tx.schema.dropIndex('channel_events_edited_message_idx').execute();
    await tx.schema.alterTable('channel_events').dropColumn('edited_message_id').execute();
    if (sqlite) await restoreSqliteSearch(tx);
  };
  if (sqlite) await db.transaction().execute(run);
  else await run(db);
}

async function restoreSqliteSearch(db: Kysely<Database>): Promise<void> {
  await dropSearchTriggers(db);
  for (const [table, tokenize] of Object.entries(TOKENIZERS)) {
    const fts = sql.table(table);
    await sql`drop table ${fts}`.execute(db);
    await sql`create virtual table ${fts} using fts5(body, content='', contentless_delete=1, ${tokenize})`.execute(db);
  }
  await indexLiveMessages(db);
  // 0006's triggers, as it wrote them.
  await sql`
    create trigger messages_search_au after update of body, deleted_at on messages
    when old.body is not new.body or old.deleted_at is not new.deleted_at begin
      update message_search_keys set pending = 1 where message_id = new.id;
    end`.execute(db);
  await sql`
    create trigger messages_search_ad after delete on messages begin
      delete from message_fts_words where rowid = (select key from message_search_keys where message_id = old.id and indexed = 1);
      delete from message_fts_trigram where rowid = (select key from message_search_keys where message_id = old.id and indexed = 1);
      delete from message_search_keys where message_id = old.id;
    end`.execute(db);
}
