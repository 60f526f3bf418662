import type SqliteDatabase from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type Driver, type SqliteDialectConfig } from 'kysely';
import type { WalSync } from './walSync.js';

/**
 * Kysely's SQLite dialect with commits made durable by `WalSync` after the connection is handed
 * back: the next transaction starts while this one's fsync runs, and this one's caller is
 * answered only once the fsync is done. Callers that only read also wait while a commit is not
 * yet on disk, so no response ever shows data that a power cut could still take back.
 */
export class DurableSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly commits: CommitTracker,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new DurableSqliteDriver(this.config, this.commits);
  }
}

/** Notes which statements write, so that a release after a write counts as a commit. */
export class CommitTracker {
  private wrote = false;

  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    readonly wal: WalSync,
  ) {}

  prepared(statement: SqliteDatabase.Statement): void {
    // BEGIN / COMMIT / SAVEPOINT count as read-only; INSERT ... RETURNING does not.
    if (!statement.readonly) this.wrote = true;
  }

  released(): Promise<void> {
    if (this.wrote && !this.sqlite.inTransaction) {
      this.wrote = false;
      this.wal.committedWrite();
    }
    return this.wal.whenDurable();
  }
}

class DurableSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly commits: CommitTracker,
  ) {
    super(config);
  }

  override async releaseConnection(): Promise<void> {
    // The commit is counted while the connection is still ours: once it is handed on, the next
    // holder's BEGIN could make it look as if this one were still in a transaction.
    const durable = this.commits.released();
    await super.releaseConnection();
    await durable;
  }

  override async destroy(): Promise<void> {
    await this.commits.wal.whenDurable().catch(() => undefined);
    await super.destroy();
    this.commits.wal.close();
  }
}
