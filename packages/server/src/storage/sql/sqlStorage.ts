import { sql } from 'kysely';
import type { Storage } from '../port.js';
import { connect, migrateToLatest, type Connection } from './connect.js';
import { SqlUserStore } from './userStore.js';
import { SqlSessionStore } from './sessionStore.js';
import { SqlWsTicketStore } from './wsTicketStore.js';

/** The storage port on Kysely: one set of queries for SQLite and PostgreSQL. */
export class SqlStorage implements Storage {
  readonly users: SqlUserStore;
  readonly sessions: SqlSessionStore;
  readonly wsTickets: SqlWsTicketStore;
  readonly dialect: Connection['dialect'];

  private constructor(private readonly conn: Connection) {
    this.dialect = conn.dialect;
    this.users = new SqlUserStore(conn.db);
    this.sessions = new SqlSessionStore(conn.db);
    this.wsTickets = new SqlWsTicketStore(conn.db);
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
    return new SqlStorage(conn);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.conn.db);
  }

  async close(): Promise<void> {
    await this.conn.db.destroy();
  }
}
