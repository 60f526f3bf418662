import type { Kysely, Selectable } from 'kysely';
import type { UserRecord, UserStore } from '../port.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Database, UsersTable } from './schema.js';
import { uniqueViolationColumn } from './connect.js';

const toRecord = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  username: row.username,
  email: row.email,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

export class SqlUserStore implements UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(user: UserRecord): Promise<void> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username.toLowerCase(),
          email: user.email,
          email_lower: user.email.toLowerCase(),
          display_name: user.displayName,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          updated_at: user.createdAt,
        })
        .execute();
    } catch (err) {
      const column = uniqueViolationColumn(err);
      if (column === 'username') throw new ConflictError('username');
      if (column === 'email_lower') throw new ConflictError('email');
      throw err;
    }
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async findByLogin(login: string): Promise<UserRecord | undefined> {
    const key = login.toLowerCase();
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('username', '=', key), eb('email_lower', '=', key)]))
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async findByUsernames(usernames: string[]): Promise<UserRecord[]> {
    if (usernames.length === 0) return [];
    const rows = await this.db.selectFrom('users').selectAll().where('username', 'in', usernames).execute();
    return rows.map(toRecord);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    const result = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: Date.now() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFoundError('user');
  }
}
