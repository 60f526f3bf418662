import type { CompiledQuery, DatabaseConnection, Dialect as KyselyDialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { StorageFullError, StorageUnavailableError, isStorageFault, type StorageFault } from '../errors.js';

/** Told about faults nobody asked for (a pooled connection dying) and rollbacks that failed. */
export type FaultReporter = (message: string, err: unknown) => void;

/** Operating-system errors that mean "no space", from SQLite's WAL fsync or a socket. */
const FULL_ERRNOS = new Set(['ENOSPC', 'EDQUOT']);
/** ...and those that mean the database cannot be reached right now. */
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EIO', 'EROFS']);

/**
 * PostgreSQL SQLSTATEs (appendix A of its manual) that say the server, not the query, is the
 * problem: class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot
 * connect now: a restart or recovery), 53200/53300 (out of memory, too many connections), 58030
 * (I/O error), 25006 (a read-only transaction: a standby after a failover).
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53200|53300|58030|25006)$/;
/** 53100 disk_full; 53400 configuration_limit_exceeded is not a fault of the moment. */
const PG_FULL = '53100';

/**
 * `pg` and Kysely report a dead connection without a code. These are their messages (pg's
 * client.js and pg-pool, Kysely's postgres-driver).
 */
const CONNECTION_LOST = /Connection terminated|not queryable|timeout exceeded when trying to connect|connection has been discarded|Client has encountered a connection error/;

/**
 * SQLite result codes: SQLITE_FULL is a full disk (an ENOSPC inside SQLite's own write); the
 * others mean the file cannot be used at the moment (locked past busy_timeout, an I/O error,
 * a read-only remount, a file that cannot be opened).
 */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|READONLY|CANTOPEN|PROTOCOL)/;

/** The fault `err` stands for, or undefined for an error of the query itself (constraint, syntax ...). */
export function classifyStorageError(err: unknown): StorageFault | undefined {
  if (isStorageFault(err)) return err;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (FULL_ERRNOS.has(code) || code === PG_FULL || code === 'SQLITE_FULL') return new StorageFullError({ cause: err });
      if (UNREACHABLE_ERRNOS.has(code) || PG_UNAVAILABLE.test(code) || SQLITE_UNAVAILABLE.test(code)) return new StorageUnavailableError({ cause: err });
    }
    if (CONNECTION_LOST.test(e.message)) return new StorageUnavailableError({ cause: err });
    // Node's happy-eyeballs connect reports one error per address tried.
    if (e instanceof AggregateError && e.errors.some((inner) => classifyStorageError(inner))) return new StorageUnavailableError({ cause: err });
  }
  return undefined;
}

function translated(err: unknown): unknown {
  return classifyStorageError(err) ?? err;
}

async function translating<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw translated(err);
  }
}

/**
 * Wraps a Kysely driver at the storage boundary: every fault of the database (as opposed to an
 * error of the query) leaves as a `StorageUnavailableError` or `StorageFullError` carrying the
 * driver's error as its cause, and a failed rollback never hides the error that caused it.
 */
export class FaultTranslatingDriver implements Driver {
  private readonly connections = new WeakMap<DatabaseConnection, FaultTranslatingConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly report: FaultReporter,
    /** SQLite: whether a transaction is still open (it ends one itself on some errors, e.g. SQLITE_FULL). */
    private readonly inTransaction?: () => boolean,
  ) {}

  init(): Promise<void> {
    return translating(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await translating(() => this.inner.acquireConnection());
    let outer = this.connections.get(connection);
    if (!outer) this.connections.set(connection, (outer = new FaultTranslatingConnection(connection)));
    return outer;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return translating(() => this.inner.beginTransaction(innerOf(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return translating(() => this.inner.commitTransaction(innerOf(connection)));
  }

  /**
   * Kysely rolls back when the transaction's work throws and then rethrows that error, unless the
   * rollback throws too: its error would replace the cause ("cannot rollback - no transaction is
   * active" instead of SQLITE_FULL). So a rollback that fails is reported, not thrown: on
   * PostgreSQL the driver has already marked the connection for discarding, and SQLite has
   * already rolled back when it says there is nothing to roll back.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.inTransaction && !this.inTransaction()) return;
    try {
      await this.inner.rollbackTransaction(innerOf(connection));
    } catch (err) {
      this.report('rollback failed (the error that caused it is reported on its own)', err);
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    await translating(() => this.inner.savepoint!(innerOf(connection), name, compile));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> {
    await translating(() => this.inner.rollbackToSavepoint!(innerOf(connection), name, compile));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> {
    await translating(() => this.inner.releaseSavepoint!(innerOf(connection), name, compile));
  }

  /** SQLite's durable driver waits here for the WAL fsync: its failure is a fault like any other. */
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return translating(() => this.inner.releaseConnection(innerOf(connection)));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

class FaultTranslatingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return translating(() => this.inner.executeQuery<R>(query));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (err) {
      throw translated(err);
    }
  }
}

function innerOf(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof FaultTranslatingConnection ? connection.inner : connection;
}

/** `dialect` with its driver wrapped in `FaultTranslatingDriver`. */
export function translatingFaults(dialect: KyselyDialect, report: FaultReporter, inTransaction?: () => boolean): KyselyDialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new FaultTranslatingDriver(dialect.createDriver(), report, inTransaction),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
