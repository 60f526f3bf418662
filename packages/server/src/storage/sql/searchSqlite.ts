import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { SearchParts, SearchRow } from './searchStore.js';

/**
 * SQLite: FTS5 tables from migration 0003 — `message_fts_words` (unicode61, diacritics folded)
 * and `message_fts_trigram`, both keyed by `message_search_keys.key`.
 */

/**
 * An FTS5 string: inside double quotes everything is literal text (no AND/OR/NOT/NEAR, no column
 * filters, no parentheses), and a double quote is written twice. A trailing `*` outside the quotes
 * makes it a prefix query.
 */
const ftsString = (term: string): string => `"${term.replace(/"/g, '""')}"`;

/** How many of the newest matches of each index are ranked (see `newestVisible`). */
export const SEARCH_CANDIDATES = 500;

/** The trigram tokenizer indexes 3-character windows: a shorter term cannot be looked up in it. */
const TRIGRAM_LENGTH = 3;

export async function searchSqlite(db: Kysely<Database>, parts: SearchParts): Promise<SearchRow[]> {
  const { query, columns, visible, orderAndPage } = parts;
  const substringRank = sql.lit(parts.substringRank);

  // Word tier: every word term as a word or word prefix; juxtaposed strings are ANDed.
  const wordMatch = query.wordTerms.length > 0 ? query.wordTerms.map((t) => `${ftsString(t)}*`).join(' ') : undefined;
  // bm25 is "smaller is better" and at most 0; its negation is the relevance, clamped in case.
  const wordHits =
    wordMatch === undefined
      ? undefined
      : newestVisible('message_fts_words', wordMatch, sql`max(0, -bm25(message_fts_words))`, visible);

  // Substring tier: terms of 3+ characters through the trigram index (a quoted string there is a
  // run of consecutive trigrams, i.e. exactly a case-insensitive substring); shorter ones by LIKE
  // (which SQLite compares case-insensitively for ASCII letters only).
  const trigramTerms: string[] = [];
  const shortLikes: RawBuilder<unknown>[] = [];
  for (const { text, likePattern } of query.terms) {
    if ([...text].length >= TRIGRAM_LENGTH) trigramTerms.push(ftsString(text));
    else shortLikes.push(sql`m.body like ${likePattern} escape '\\'`);
  }
  const likes = shortLikes.length > 0 ? sql.join(shortLikes, sql` and `) : sql`1`;

  if (trigramTerms.length > 0) {
    // Word matches outrank every substring-only match, so when they alone fill the page the
    // (costlier) trigram lookup cannot change it.
    if (wordHits && shortLikes.length === 0) {
      const wordsOnly = await sql<SearchRow>`
        select ${columns}, 1 + h.score / (1 + h.score) as rank
        from (${wordHits}) h
        join message_search_keys k on k.key = h.key
        join messages m on m.id = k.message_id
        join channels c on c.id = m.channel_id
        ${orderAndPage}`.execute(db);
      if (wordsOnly.rows.length === parts.pageSize) return wordsOnly.rows;
    }
    // Candidates come from the indexes only; a message found by both is grouped into one row.
    const trigramHits = newestVisible('message_fts_trigram', trigramTerms.join(' '), sql`null`, visible, 1);
    const sources = wordHits ? sql`${wordHits} union all ${trigramHits}` : trigramHits;
    const result = await sql<SearchRow>`
      with hits as (select key, max(score) as score, max(sub) as sub from (${sources}) group by key)
      select ${columns}, case when h.score is not null then 1 + h.score / (1 + h.score) else ${substringRank} end as rank
      from hits h
      join message_search_keys k on k.key = h.key
      join messages m on m.id = k.message_id
      join channels c on c.id = m.channel_id
      where ${visible} and (h.score is not null or (h.sub = 1 and ${likes}))
      ${orderAndPage}`.execute(db);
    return result.rows;
  }

  // Only short terms (1-2 characters, e.g. a two-character CJK word): no index can find their
  // substrings, so LIKE scans the messages the user may read, already narrowed by the filters.
  if (!wordHits) {
    const result = await sql<SearchRow>`
      select ${columns}, ${substringRank} as rank
      from messages m join channels c on c.id = m.channel_id
      where ${visible} and ${likes}
      ${orderAndPage}`.execute(db);
    return result.rows;
  }
  // Materialized: otherwise SQLite re-runs the FTS query for every message the LEFT JOIN visits
  // (3 s instead of 50 ms for a two-letter query over 50,000 messages).
  const result = await sql<SearchRow>`
    with hits as materialized (${wordHits})
    select ${columns}, case when h.score is not null then 1 + h.score / (1 + h.score) else ${substringRank} end as rank
    from messages m
    join channels c on c.id = m.channel_id
    join message_search_keys k on k.message_id = m.id
    left join hits h on h.key = k.key
    where ${visible} and (h.score is not null or ${likes})
    ${orderAndPage}`.execute(db);
  return result.rows;
}

/**
 * The newest CANDIDATES visible matches of one index, newest first. FTS5 walks its matches in
 * descending key order (keys grow with time) and the access rule is checked per match, so the
 * work is bounded by CANDIDATES, not by how many of a million messages contain the term; only
 * these are ranked. Older matches are reached with the date and channel filters.
 */
function newestVisible(table: 'message_fts_words' | 'message_fts_trigram', match: string, score: RawBuilder<unknown>, visible: RawBuilder<unknown>, sub = 0) {
  const fts = sql.table(table);
  return sql`select * from (
    select ${fts}.rowid as key, ${score} as score, ${sql.lit(sub)} as sub
    from ${fts}
    join message_search_keys k on k.key = ${fts}.rowid
    join messages m on m.id = k.message_id
    join channels c on c.id = m.channel_id
    where ${fts} match ${match} and ${visible}
    order by ${fts}.rowid desc
    limit ${sql.lit(SEARCH_CANDIDATES)})`;
}
