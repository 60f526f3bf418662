import type { Kysely, Selectable } from 'kysely';
import type { ApiTokenRecord, SessionRecord, TokenStore, UserRecord } from '../port.js';
import type { ApiTokensTable, Database } from './schema.js';
import { sessionRow, toSessionRecord } from './sessionStore.js';
import { toUserRecord } from './userStore.js';

const toToken = (row: Selectable<ApiTokensTable>): ApiTokenRecord => ({
  id: row.id,
  userId: row.user_id,
  sessionId: row.session_id,
  name: row.name,
  hint: row.hint,
  createdBy: row.created_by,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  lastUsedIp: row.last_used_ip,
});

export class SqlTokenStore implements TokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(token: ApiTokenRecord & { tokenHash: string }, session: SessionRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values(sessionRow({ ...session, revokedAt: null, kind: 'token' }))
        .execute();
      await trx
        .insertInto('api_tokens')
        .values({
          id: token.id,
          user_id: token.userId,
          session_id: session.id,
          name: token.name,
          token_hash: token.tokenHash,
          hint: token.hint,
          created_by: token.createdBy,
          created_at: token.createdAt,
          last_used_at: null,
          last_used_ip: null,
        })
        .execute();
    });
  }

  async findByHash(tokenHash: string): Promise<{ token: ApiTokenRecord; session: SessionRecord; user: UserRecord } | undefined> {
    const found = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!found) return undefined;
    const [session, user] = await Promise.all([
      this.db.selectFrom('sessions').selectAll().where('id', '=', found.session_id).executeTakeFirstOrThrow(),
      this.db.selectFrom('users').selectAll().where('id', '=', found.user_id).executeTakeFirstOrThrow(),
    ]);
    return { token: toToken(found), session: toSessionRecord(session), user: toUserRecord(user) };
  }

  async listActiveForUser(userId: string, now: number): Promise<{ token: ApiTokenRecord; session: SessionRecord }[]> {
    const tokens = await this.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
    if (tokens.length === 0) return [];
    const sessions = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', 'in', tokens.map((t) => t.session_id))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    const byId = new Map(sessions.map((s) => [s.id, toSessionRecord(s)]));
    return tokens.flatMap((t) => {
      const session = byId.get(t.session_id);
      return session ? [{ token: toToken(t), session }] : [];
    });
  }

  async findById(id: string): Promise<{ token: ApiTokenRecord; session: SessionRecord } | undefined> {
    const token = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    if (!token) return undefined;
    const session = await this.db.selectFrom('sessions').selectAll().where('id', '=', token.session_id).executeTakeFirstOrThrow();
    return { token: toToken(token), session: toSessionRecord(session) };
  }

  async touch(id: string, now: number, ip: string | null): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now, last_used_ip: ip }).where('id', '=', id).execute();
  }
}
