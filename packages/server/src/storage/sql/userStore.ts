import type { Kysely, Selectable } from 'kysely';
import type { UserRecord, UserStore } from '../port.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { Database, UsersTable } from './schema.js';
import { uniqueViolationColumn } from './connect.js';

export const toUserRecord = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  username: row.username,
  email: row.email,
  displayName: row.display_name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  // Only bots carry the bot fields: a person's record reads as it always has.
  ...(row.is_bot === 1 ? { isBot: true, botWorkspaceId: row.bot_workspace_id } : {}),
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
          is_bot: user.isBot ? 1 : 0,
          bot_workspace_id: user.botWorkspaceId ?? null,
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
    return row && toUserRecord(row);
  }

  async findByLogin(login: string): Promise<UserRecord | undefined> {
    const key = login.toLowerCase();
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('username', '=', key), eb('email_lower', '=', key)]))
      .executeTakeFirst();
    return row && toUserRecord(row);
  }

  async findByUsernames(usernames: string[]): Promise<UserRecord[]> {
    if (usernames.length === 0) return [];
    const rows = await this.db.selectFrom('users').selectAll().where('username', 'in', usernames).execute();
    return rows.map(toUserRecord);
  }

  async listBots(workspaceId: string): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().where('bot_workspace_id', '=', workspaceId).where('is_bot', '=', 1).orderBy('created_at').execute();
    return rows.map(toUserRecord);
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
