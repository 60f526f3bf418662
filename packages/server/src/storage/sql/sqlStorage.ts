import { sql, type Kysely } from 'kysely';
import type { Storage } from '../port.js';
import type { Database } from './schema.js';
import { connect, migrateToLatest, type Dialect } from './connect.js';
import type { WalSync } from './walSync.js';
import { SqlUserStore } from './userStore.js';
import { SqlSessionStore } from './sessionStore.js';
import { SqlWsTicketStore } from './wsTicketStore.js';
import { SqlWorkspaceStore } from './workspaceStore.js';
import { SqlChannelStore } from './channelStore.js';
import { SqlBlockStore } from './blockStore.js';
import { SqlMessageStore } from './messageStore.js';
import { SqlEventStore } from './eventStore.js';
import { SqlSearchStore } from './searchStore.js';
import { SqlFileStore } from './fileStore.js';

/** The storage port on Kysely: one set of queries for SQLite and PostgreSQL. */
export class SqlStorage implements Storage {
  readonly users: SqlUserStore;
  readonly sessions: SqlSessionStore;
  readonly wsTickets: SqlWsTicketStore;
  readonly workspaces: SqlWorkspaceStore;
  readonly channels: SqlChannelStore;
  readonly blocks: SqlBlockStore;
  readonly messages: SqlMessageStore;
  readonly events: SqlEventStore;
  readonly search: SqlSearchStore;
  readonly files: SqlFileStore;

  private constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly inTransaction: boolean,
    /** SQLite: the WAL syncer behind every commit (its `syncs` counter shows group commit at work). */
    readonly wal?: WalSync,
  ) {
    this.users = new SqlUserStore(db);
    this.sessions = new SqlSessionStore(db);
    this.wsTickets = new SqlWsTicketStore(db);
    this.workspaces = new SqlWorkspaceStore(db);
    this.channels = new SqlChannelStore(db);
    this.blocks = new SqlBlockStore(db);
    this.messages = new SqlMessageStore(db);
    this.events = new SqlEventStore(db);
    this.search = new SqlSearchStore(db, dialect);
    this.files = new SqlFileStore(db);
  }

  /** Connects and migrates to the latest schema before anything can use it. */
  static async open(databaseUrl: string | undefined, dataDir: string): Promise<SqlStorage> {
    const conn = connect(databaseUrl, dataDir);
    try {
      await migrateToLatest(conn.db);
    } catch (err) {
      await conn.db.destroy();
      throw err;
    }
    return new SqlStorage(conn.db, conn.dialect, false, conn.wal);
  }

  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T> {
    // Already inside one: join it (Kysely has no nested transactions).
    if (this.inTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(new SqlStorage(trx, this.dialect, true, this.wal)));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
