import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SearchParts, SearchRow } from './searchStore.js';

/**
 * PostgreSQL: migration 0003's stored column `body_tsv` (to_tsvector('simple', body)) with its
 * GIN index, and the GIN trigram index on `body`. Both indexes are partial (deleted_at is null),
 * which the access rule's `m.deleted_at is null` lets the planner use.
 */

/**
 * A tsquery operand: a quoted literal is text, not syntax (no & | ! <-> or parentheses), with `'`
 * doubled and `\` escaped. PostgreSQL's own parser then splits it as it split the body, and `:*`
 * makes each resulting word a prefix.
 */
const tsLiteral = (term: string): string => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`;

export async function searchPostgres(db: Kysely<Database>, parts: SearchParts): Promise<SearchRow[]> {
  const { query, columns, visible, orderAndPage } = parts;
  const substringRank = sql.lit(parts.substringRank);

  const tsq = sql`to_tsquery('simple'::regconfig, ${query.wordTerms.map(tsLiteral).join(' & ')})`;
  const hasWords = query.wordTerms.length > 0;
  const wordMatch = hasWords ? sql`m.body_tsv @@ ${tsq}` : sql`false`;
  // ts_rank is >= 0; the mapping keeps every word match in [1, 2), above substring-only ones.
  const rank = hasWords
    ? sql`case when ${wordMatch} then 1 + ts_rank(m.body_tsv, ${tsq}) / (1 + ts_rank(m.body_tsv, ${tsq})) else ${substringRank} end`
    : substringRank;
  // ILIKE on every term. pg_trgm finds candidates from the terms of 3+ characters and rechecks
  // all of them, so shorter terms are exact too (a query of only short terms scans).
  const substringMatch = sql.join(
    query.terms.map((t) => sql`m.body ilike ${t.likePattern} escape '\\'`),
    sql` and `,
  );

  // One pass over messages (the planner ORs the two index scans): a message matching both ways
  // is still one row.
  const result = await sql<SearchRow>`
    select ${columns}, ${rank} as rank
    from messages m
    join channels c on c.id = m.channel_id
    where ${visible} and (${wordMatch} or (${substringMatch}))
    ${orderAndPage}`.execute(db);
  return result.rows;
}
