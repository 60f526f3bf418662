import type { Kysely, Selectable } from 'kysely';
import type { ScimUserQuery, UserProfileChanges, UserRecord, UserStore } from '../port.js';
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
  // Likewise the SCIM fields (migration 0013): only on provisioned or deactivated users.
  ...(row.scim_workspace_id !== null && row.scim_workspace_id !== undefined
    ? { scimUserName: row.scim_user_name ?? row.username, externalId: row.external_id, scimWorkspaceId: row.scim_workspace_id, updatedAt: Number(row.updated_at) }
    : {}),
  ...(row.deactivated_at !== null && row.deactivated_at !== undefined ? { deactivatedAt: Number(row.deactivated_at) } : {}),
});

function conflictOf(err: unknown): ConflictError | undefined {
  const column = uniqueViolationColumn(err);
  if (column === 'username') return new ConflictError('username');
  if (column === 'email_lower') return new ConflictError('email');
  if (column === undefined) return undefined;
  // The composite SCIM indexes (migration 0013): SQLite lists their columns, PostgreSQL names the index.
  const text = `${(err as { message?: string }).message ?? ''} ${(err as { constraint?: string }).constraint ?? ''}`;
  if (text.includes('external_id')) return new ConflictError('external_id');
  if (text.includes('scim_user_name')) return new ConflictError('scim_user_name');
  return undefined;
}

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
          ...(user.scimWorkspaceId
            ? {
                scim_workspace_id: user.scimWorkspaceId,
                scim_user_name: user.scimUserName ?? user.username,
                scim_user_name_lower: (user.scimUserName ?? user.username).toLowerCase(),
                external_id: user.externalId ?? null,
              }
            : {}),
          ...(user.deactivatedAt ? { deactivated_at: user.deactivatedAt } : {}),
        })
        .execute();
    } catch (err) {
      throw conflictOf(err) ?? err;
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

  async listScim(query: ScimUserQuery): Promise<{ total: number; users: UserRecord[] }> {
    let base = this.db.selectFrom('users').where('scim_workspace_id', '=', query.workspaceId);
    if (query.userName !== undefined) base = base.where('scim_user_name_lower', '=', query.userName.toLowerCase());
    if (query.externalId !== undefined) base = base.where('external_id', '=', query.externalId);
    const counted = await base.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('created_at').orderBy('id').limit(query.limit).offset(query.offset).execute();
    return { total: Number(counted.n), users: rows.map(toUserRecord) };
  }

  async findScimByUserName(workspaceId: string, userName: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('scim_workspace_id', '=', workspaceId)
      .where('scim_user_name_lower', '=', userName.toLowerCase())
      .executeTakeFirst();
    return row && toUserRecord(row);
  }

  async updateProfile(id: string, changes: UserProfileChanges, now: number): Promise<UserRecord> {
    try {
      const result = await this.db
        .updateTable('users')
        .set({
          updated_at: now,
          ...(changes.username !== undefined ? { username: changes.username.toLowerCase() } : {}),
          ...(changes.email !== undefined ? { email: changes.email, email_lower: changes.email.toLowerCase() } : {}),
          ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
          ...(changes.scimUserName !== undefined ? { scim_user_name: changes.scimUserName, scim_user_name_lower: changes.scimUserName.toLowerCase() } : {}),
          ...(changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
          ...(changes.deactivatedAt !== undefined ? { deactivated_at: changes.deactivatedAt } : {}),
          ...(changes.unlinkScim ? { scim_workspace_id: null, scim_user_name: null, scim_user_name_lower: null } : {}),
        })
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError('user');
    } catch (err) {
      throw conflictOf(err) ?? err;
    }
    const user = await this.findById(id);
    if (!user) throw new NotFoundError('user');
    return user;
  }
}
