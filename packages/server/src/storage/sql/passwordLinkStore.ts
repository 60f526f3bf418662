import type { Kysely } from 'kysely';
import type { PasswordLinkStore } from '../port.js';
import type { Database } from './schema.js';

export class SqlPasswordLinkStore implements PasswordLinkStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(link: { tokenHash: string; userId: string; workspaceId: string; createdBy: string; createdAt: number; expiresAt: number }): Promise<void> {
    await this.db
      .insertInto('password_links')
      .values({ token_hash: link.tokenHash, user_id: link.userId, workspace_id: link.workspaceId, created_by: link.createdBy, created_at: link.createdAt, expires_at: link.expiresAt, used_at: null })
      .execute();
  }

  async consume(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .updateTable('password_links')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }
}
