import { sql, SqliteAdapter, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { MessageRecord, SearchRequest, SearchStore } from '../messagePort.js';
import type { Database, MessagesTable } from './schema.js';
import type { Dialect } from './connect.js';
import { messageColumns, toMessage } from './messageStore.js';
import { searchSqlite } from './searchSqlite.js';
import { searchPostgres } from './searchPostgres.js';
import { hasPendingSqlite, indexPendingSqlite } from './searchIndexer.js';

/**
 * Keys indexed per transaction: ~20 µs each in a batch, so ~10 ms at most at a time while a
 * backlog (an import) is worked off; in steady use a batch is what 200 ms of writes left.
 */
const INDEX_BATCH = 500;

/**
 * Message search on both databases. Every whitespace-separated term must match, either as a word
 * or word prefix (the "word tier", ranked by relevance) or else as a substring anywhere (partial
 * words, CJK text without spaces; ranked below every word match). User text reaches SQL only as
 * bound parameters: quoted inside FTS5 / tsquery syntax, or escaped for LIKE.
 */
export interface ParsedQuery {
  /** Every term, in query order, without duplicates (case-insensitively). */
  terms: SearchTerm[];
  /** The terms the word index can match: those with a letter or digit (the rest tokenise to nothing). */
  wordTerms: string[];
}

export interface SearchTerm {
  text: string;
  /** A LIKE pattern finding the term anywhere, its wildcards escaped (for `escape '\'`). */
  likePattern: string;
}

/** What both dialect queries share, built here once so the access rule exists in one place. */
export interface SearchParts {
  query: ParsedQuery;
  /** The columns of a MessageRecord, from `messages m` (PostgreSQL's has a tsvector column too). */
  columns: RawBuilder<unknown>;
  /** Access rule and the request's filters, over `messages m join channels c`. */
  visible: RawBuilder<unknown>;
  /** `order by ... limit ... offset ...` over a `rank` column. */
  orderAndPage: RawBuilder<unknown>;
  /** The rank of a substring-only match: below every word match (see SUBSTRING_RANK). */
  substringRank: number;
  /** The page's `limit`: a query that returns this many rows filled the page. */
  pageSize: number;
}

export type SearchRow = Selectable<MessagesTable> & { rank: number };
export type DialectSearch = (db: Kysely<Database>, parts: SearchParts) => Promise<SearchRow[]>;

/**
 * Ranks as reported by both dialects: a word match gets 1 + s / (1 + s) for its relevance s >= 0
 * (-bm25 or ts_rank), which lies in [1, 2); a substring-only match gets 0.5. Higher is better.
 */
const SUBSTRING_RANK = 0.5;

const columns = sql.join(messageColumns.map((c) => sql.ref(`m.${c}`)));

/** More terms than this add nothing a person types; the cap bounds the size of the SQL. */
const MAX_TERMS = 16;
/** PostgreSQL rejects tsquery words over 2047 bytes; real words are far shorter than this. */
const MAX_WORD_TERM_LENGTH = 100;

export function parseQuery(query: string): ParsedQuery {
  // Bodies are stored NFC-normalised; the query must be too for the same text to match.
  const seen = new Set<string>();
  const terms: string[] = [];
  // Control characters (a NUL would make PostgreSQL reject the parameter) separate terms.
  for (const term of query.normalize('NFC').replace(/\p{Cc}/gu, ' ').split(/\s+/u)) {
    const key = term.toLowerCase();
    if (term === '' || seen.has(key)) continue;
    seen.add(key);
    terms.push(term);
    if (terms.length === MAX_TERMS) break;
  }
  // Terms of punctuation alone tokenise to nothing: the word tier ignores them (the substring
  // tier still requires them). A term too long for a tsquery turns the word tier off rather than
  // being ignored, which would loosen the AND of all terms.
  const withWords = terms.filter((t) => /[\p{L}\p{N}]/u.test(t));
  const wordTerms = withWords.some((t) => t.length > MAX_WORD_TERM_LENGTH) ? [] : withWords;
  return {
    terms: terms.map((text) => ({ text, likePattern: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%` })),
    wordTerms,
  };
}

/**
 * What the user may read, plus the request's filters. This is search's only access rule, so it is
 * deliberately strict: nothing at all without membership of the workspace (a leftover channel
 * membership of someone removed from it grants nothing); then public channels and the channels
 * the user belongs to. Never deleted messages, never another workspace.
 */
function visibleAndFiltered(req: SearchRequest): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [
    sql`c.workspace_id = ${req.workspaceId}`,
    sql`m.deleted_at is null`,
    sql`exists (select 1 from workspace_members wm where wm.workspace_id = c.workspace_id and wm.user_id = ${req.userId})`,
    sql`(c.kind = 'public' or exists (select 1 from channel_members cm where cm.channel_id = c.id and cm.user_id = ${req.userId}))`,
  ];
  if (req.channelId !== undefined) conditions.push(sql`m.channel_id = ${req.channelId}`);
  if (req.authorId !== undefined) conditions.push(sql`m.author_id = ${req.authorId}`);
  if (req.before !== undefined) conditions.push(sql`m.created_at < ${req.before}`);
  if (req.after !== undefined) conditions.push(sql`m.created_at > ${req.after}`);
  if (req.hasFile === true) conditions.push(sql`m.attachment_count > 0`);
  if (req.hasFile === false) conditions.push(sql`m.attachment_count = 0`);
  return sql.join(conditions, sql` and `);
}

export class SqlSearchStore implements SearchStore {
  private readonly run: DialectSearch;
  private readonly sqlite: boolean;

  /** Without `dialect` it is read from the Kysely adapter (SQLite's, or else PostgreSQL). */
  constructor(
    private readonly db: Kysely<Database>,
    dialect?: Dialect,
  ) {
    const resolved = dialect ?? (db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres');
    this.sqlite = resolved === 'sqlite';
    this.run = this.sqlite ? searchSqlite : searchPostgres;
  }

  /**
   * SQLite: indexes the messages written or changed since the last call (migration 0006), in
   * batches. Storage calls it on a short timer; a search calls it first, so it sees every commit.
   * PostgreSQL keeps its indexes current by itself.
   */
  async indexPending(): Promise<void> {
    if (!this.sqlite || !(await hasPendingSqlite(this.db))) return;
    while ((await indexPendingSqlite(this.db, INDEX_BATCH)) === INDEX_BATCH);
  }

  async search(req: SearchRequest): Promise<{ message: MessageRecord; rank: number }[]> {
    const query = parseQuery(req.query);
    const limit = Math.max(0, Math.floor(req.limit));
    const offset = Math.max(0, Math.floor(req.offset));
    if (query.terms.length === 0 || limit === 0) return [];
    // The id tie-break makes the order total, so offset pages never overlap or skip.
    const orderAndPage = sql`order by rank desc, m.created_at desc, m.id desc limit ${limit} offset ${offset}`;
    await this.indexPending();
    const parts = { query, columns, visible: visibleAndFiltered(req), orderAndPage, substringRank: SUBSTRING_RANK, pageSize: limit };
    const rows = await this.run(this.db, parts);
    return rows.map((r) => ({ message: toMessage(r), rank: Number(r.rank) }));
  }
}
