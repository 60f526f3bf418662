import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { CommitTracker, DurableSqliteDialect } from './durableSqlite.js';
import { WalSync } from './walSync.js';
import { translatingFaults, type FaultReporter } from './faults.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Connection {
  db: Kysely<Database>;
  dialect: Dialect;
  /** SQLite file databases: the WAL syncer that makes commits durable (see walSync.ts). */
  wal?: WalSync;
  /** SQLite file databases: the database file. */
  file?: string;
}

/**
 * `postgres://` selects PostgreSQL; anything else is a SQLite file (created with its folder).
 * Faults of the database leave the storage as typed errors (see faults.ts); `report` hears of
 * those that no caller is waiting for.
 */
export function connect(databaseUrl: string | undefined, dataDir: string, report: FaultReporter = () => undefined): Connection {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) {
    // int8 (bigint) columns hold epoch-millisecond timestamps and counters, all far below 2^53.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    // A server that does not answer (as opposed to refusing) must not hold requests forever:
    // past this, waiting for a connection fails as "storage unavailable".
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 5_000 });
    survivesConnectionLoss(pool, report);
    const dialect = translatingFaults(new PostgresDialect({ pool }), report);
    return { db: new Kysely<Database>({ dialect }), dialect: 'postgres' };
  }
  const file = databaseUrl?.startsWith('sqlite://')
    ? databaseUrl.slice('sqlite://'.length)
    : path.join(dataDir, 'relaydesk.sqlite');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  const journal = sqlite.pragma('journal_mode = WAL', { simple: true });
  sqlite.pragma('foreign_keys = ON');
  // Deleted content is overwritten with zeros, not left in free space (a deleted message's text).
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  // After SQLITE_FULL (and some I/O errors) SQLite may have ended the transaction itself.
  const inTransaction = () => sqlite.inTransaction;
  if (file === ':memory:' || journal !== 'wal') {
    // No WAL to sync (an in-memory database, or a file system without shared memory): every
    // COMMIT syncs itself, stalls and all.
    sqlite.pragma('synchronous = FULL');
    const dialect = translatingFaults(new SqliteDialect({ database: withStatementCache(sqlite) }), report, inTransaction);
    return { db: new Kysely<Database>({ dialect }), dialect: 'sqlite', ...(file === ':memory:' ? {} : { file }) };
  }
  // A commit is on disk before anyone hears of it (promise 1), even across power loss: NORMAL
  // leaves the WAL unsynced at COMMIT and WalSync fsyncs it off the event loop before the caller
  // is answered (FULL would fsync inside the synchronous COMMIT and stall every connection).
  sqlite.pragma('synchronous = NORMAL');
  const wal = WalSync.open(file, stopOnLostWrites);
  const commits = new CommitTracker(sqlite, wal);
  const dialect = translatingFaults(new DurableSqliteDialect({ database: withStatementCache(sqlite, commits) }, commits), report, inTransaction);
  return { db: new Kysely<Database>({ dialect }), dialect: 'sqlite', wal, file };
}

/**
 * A pooled client whose connection dies (a PostgreSQL restart or crash, `pg_ctl stop -m fast`,
 * a failover) emits 'error'. pg-pool listens only while the client is idle; one checked out by a
 * query has nobody listening, and an unheard 'error' event ends the process. So every client
 * gets a listener of its own when it connects. The query that was running fails on its own (as
 * "storage unavailable"), and the pool drops the dead client when it is released and connects
 * afresh on next use: no restart of RelayDesk is needed once the database is back.
 */
function survivesConnectionLoss(pool: pg.Pool, report: FaultReporter): void {
  pool.on('connect', (client) => {
    client.on('error', (err) => report('PostgreSQL connection lost', err));
  });
  // pg-pool re-emits an idle client's 'error' here once it has dropped the client; the client's
  // own listener above has reported it already.
  pool.on('error', () => undefined);
}

/**
 * After a failed fsync the kernel may have dropped the pages it could not write and marked them
 * clean, so retrying would "succeed" over lost data. Like PostgreSQL, stop: on restart SQLite
 * recovers from what is really on disk, and no client was told a write succeeded that did not.
 */
function stopOnLostWrites(err: Error): void {
  process.stderr.write(`FATAL: ${err.message}; stopping so that the database recovers from what is on disk\n`);
  process.exit(70);
}

/** Brings the schema to the latest version; throws (and changes nothing more) if a step fails. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Maps a unique-constraint violation to the column it concerns, or undefined for other errors. */
export function uniqueViolationColumn(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: string; message?: string; constraint?: string };
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: users.email_lower"
    return e.message?.split(':')[1]?.trim().split('.')[1];
  }
  if (e.code === '23505') {
    // Postgres names the constraint `<table>_<column>_key` (or `<table>_pkey`).
    return e.constraint?.replace(/^[a-z]+_/, '').replace(/_(key|pkey)$/, '') || undefined;
  }
  return undefined;
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs about as much as running a small
 * query. The same few hundred SQL texts recur, so their statements are kept (bounded, oldest out).
 * Safe because better-sqlite3 runs a statement to completion before the next one starts.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, commits?: CommitTracker, size = 500) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = cache.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      commits?.prepared(statement);
      return statement;
    },
  };
}
