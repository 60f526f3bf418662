import { sql, type Kysely } from 'kysely';

/**
 * Brings SQLite's full-text indexes up to date for up to `batch` pending message keys, oldest
 * first, in one transaction (see migration 0006: one FTS5 segment per batch, not per write).
 * For each key its current body goes in if the message is live (the entry of its previous body
 * was removed when the body changed, see migration 0007). Returns how many keys it handled (0:
 * nothing was pending).
 */
export async function indexPendingSqlite<DB>(db: Kysely<DB>, batch: number): Promise<number> {
  const run = async (tx: Kysely<DB>): Promise<number> => {
    const { rows } = await sql<{ upTo: number | null; count: number }>`
      select max(key) as "upTo", count(*) as "count" from (
        select key from message_search_keys where pending = 1 order by key limit ${batch}
      )`.execute(tx);
    const upTo = rows[0]?.upTo;
    if (upTo === null || upTo === undefined) return 0;
    // Since 0007 a change of the body removes its entry at once (the triggers), so no pending key
    // still has one; only 0006's tables (on the way down) leave entries here for the batch to drop.
    const stale = sql`select key from message_search_keys where pending = 1 and key <= ${upTo} and indexed = 1`;
    if ((await sql`${stale} limit 1`.execute(tx)).rows.length > 0) {
      await sql`delete from message_fts_words where rowid in (${stale})`.execute(tx);
      await sql`delete from message_fts_trigram where rowid in (${stale})`.execute(tx);
    }
    const live = sql`
      select k.key, m.body from message_search_keys k join messages m on m.id = k.message_id
      where k.pending = 1 and k.key <= ${upTo} and m.deleted_at is null`;
    await sql`insert into message_fts_words (rowid, body) ${live}`.execute(tx);
    await sql`insert into message_fts_trigram (rowid, body) ${live}`.execute(tx);
    await sql`
      update message_search_keys set pending = 0, indexed = exists (
        select 1 from messages m where m.id = message_search_keys.message_id and m.deleted_at is null
      ) where pending = 1 and key <= ${upTo}`.execute(tx);
    return Number(rows[0]!.count);
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Whether any key waits for indexing (one probe of a partial index). */
export async function hasPendingSqlite<DB>(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql`select 1 from message_search_keys where pending = 1 limit 1`.execute(db);
  return rows.length > 0;
}
