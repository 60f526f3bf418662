import { SqlPasswordLinkStore } from './passwordLinkStore.js';
import { SqlAppEventStore } from './appEventStore.js';
import { SqlOutgoingHookStore } from './outgoingHookStore.js';
import { SqlAuditStore } from './auditStore.js';
import { SqlIncomingHookStore } from './incomingHookStore.js';
import { SqlTokenStore } from './tokenStore.js';
import { SqlScimGroupStore } from './scimGroupStore.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Storage } from '../port.js';
import type { Database } from './schema.js';
import { connect, migrateToLatest, type Dialect } from './connect.js';
import type { WalSync } from './walSync.js';
import { classifyStorageError, type FaultReporter } from './faults.js';
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

/** How stale SQLite's search indexes may get between searches (a search brings them up to date first). */
const INDEX_EVERY_MS = 200;

/**
 * What /ready writes next to a SQLite database to see whether the disk has room: `select 1`
 * still succeeds on a full disk. 64 KiB is about what one message's transaction adds to the WAL.
 */
const PROBE = Buffer.alloc(64 * 1024);
let probes = 0;

/** The storage port on Kysely: one set of queries for SQLite and PostgreSQL. */
export class SqlStorage implements Storage {
  readonly users: SqlUserStore;
  readonly sessions: SqlSessionStore;
  readonly wsTickets: SqlWsTicketStore;
  readonly tokens: SqlTokenStore;
  readonly incomingHooks: SqlIncomingHookStore;
  readonly audit: SqlAuditStore;
  readonly outgoingHooks: SqlOutgoingHookStore;
  readonly appEvents: SqlAppEventStore;
  readonly passwordLinks: SqlPasswordLinkStore;
  readonly workspaces: SqlWorkspaceStore;
  readonly channels: SqlChannelStore;
  readonly blocks: SqlBlockStore;
  readonly messages: SqlMessageStore;
  readonly events: SqlEventStore;
  readonly search: SqlSearchStore;
  readonly files: SqlFileStore;
  readonly scimGroups: SqlScimGroupStore;

  private constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly inTransaction: boolean,
    /** SQLite: the WAL syncer behind every commit (its `syncs` counter shows group commit at work). */
    readonly wal?: WalSync,
    /** SQLite: the database file, whose disk `ping` checks for room. */
    private readonly file?: string,
  ) {
    this.users = new SqlUserStore(db);
    this.sessions = new SqlSessionStore(db);
    this.wsTickets = new SqlWsTicketStore(db);
    this.tokens = new SqlTokenStore(db);
    this.incomingHooks = new SqlIncomingHookStore(db);
    this.audit = new SqlAuditStore(db);
    this.outgoingHooks = new SqlOutgoingHookStore(db);
    this.appEvents = new SqlAppEventStore(db);
    this.passwordLinks = new SqlPasswordLinkStore(db);
    this.workspaces = new SqlWorkspaceStore(db);
    this.channels = new SqlChannelStore(db);
    this.blocks = new SqlBlockStore(db);
    this.messages = new SqlMessageStore(db);
    this.events = new SqlEventStore(db, dialect);
    this.search = new SqlSearchStore(db, dialect);
    this.files = new SqlFileStore(db);
    this.scimGroups = new SqlScimGroupStore(db);
  }

  /**
   * Told of database faults that no request is waiting for (a pooled connection dying, a rollback
   * that failed); the server points it at its log once it has one.
   */
  onFault: FaultReporter = () => undefined;

  /** Connects and migrates to the latest schema before anything can use it. */
  static async open(databaseUrl: string | undefined, dataDir: string): Promise<SqlStorage> {
    const reporter: { storage?: SqlStorage } = {};
    const conn = connect(databaseUrl, dataDir, (message, err) => reporter.storage?.onFault(message, err));
    try {
      await migrateToLatest(conn.db);
    } catch (err) {
      await conn.db.destroy();
      throw err;
    }
    const storage = (reporter.storage = new SqlStorage(conn.db, conn.dialect, false, conn.wal, conn.file));
    if (conn.dialect === 'sqlite') storage.indexSearchInBackground();
    return storage;
  }

  private indexer: { timer: NodeJS.Timeout; running: Promise<void> | undefined } | undefined;

  /**
   * SQLite's search indexes follow the writes in batches (migration 0006), every INDEX_EVERY_MS.
   * A tick that finds the last run still going skips (no queue builds up behind a slow one); a
   * failed run is retried on the next tick, and a search would report the same failure itself.
   */
  private indexSearchInBackground(): void {
    const indexer: { timer: NodeJS.Timeout; running: Promise<void> | undefined } = {
      running: undefined,
      timer: setInterval(() => {
        if (indexer.running) return;
        indexer.running = this.search
          .indexPending()
          .catch(() => undefined)
          .finally(() => (indexer.running = undefined));
      }, INDEX_EVERY_MS),
    };
    indexer.timer.unref();
    this.indexer = indexer;
  }

  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T> {
    // Already inside one: join it (Kysely has no nested transactions).
    if (this.inTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(new SqlStorage(trx, this.dialect, true, this.wal, this.file)));
  }

  /** The database answers and, for SQLite, its disk has room; throws a storage fault if not. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
    if (!this.file) return;
    const probe = path.join(path.dirname(this.file), `.ready-probe-${process.pid}-${probes++}`);
    try {
      await fs.writeFile(probe, PROBE);
    } catch (err) {
      throw classifyStorageError(err) ?? err;
    } finally {
      await fs.rm(probe, { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.indexer) {
      clearInterval(this.indexer.timer);
      await this.indexer.running;
    }
    await this.db.destroy();
  }
}
