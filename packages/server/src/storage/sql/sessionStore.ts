import type { Kysely, Selectable } from 'kysely';
import type { NewRefreshToken, RotateOutcome, SessionRecord, SessionStore, UserRecord } from '../port.js';
import type { Database, SessionsTable } from './schema.js';
import { fixedQuery } from './fixedQuery.js';

// Every authenticated request reads its session and user (see fixedQuery).
const sessionWithUser = fixedQuery((db, id: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(['users.username', 'users.email', 'users.display_name', 'users.password_hash', 'users.created_at as user_created_at', 'users.is_bot', 'users.bot_workspace_id'])
    .where('sessions.id', '=', id),
);

export const toSessionRecord = (row: Selectable<SessionsTable>): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  userAgent: row.user_agent,
  ip: row.ip,
  // Only a token's session carries kind and scopes: a sign-in reads as it always has.
  ...(row.kind === 'token' ? { kind: 'token' as const, scopes: (row.scopes ?? '').split(',').filter(Boolean) } : {}),
});

/** A session as its row; a token's session (kind 'token') keeps its scopes. */
export const sessionRow = (session: SessionRecord) => ({
  id: session.id,
  user_id: session.userId,
  created_at: session.createdAt,
  last_used_at: session.lastUsedAt,
  expires_at: session.expiresAt,
  revoked_at: session.revokedAt,
  user_agent: session.userAgent,
  ip: session.ip,
  kind: session.kind ?? 'login',
  scopes: session.kind === 'token' ? (session.scopes ?? []).join(',') : null,
});

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: SessionRecord, token: NewRefreshToken): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values(sessionRow(session))
        .execute();
      await trx
        .insertInto('refresh_tokens')
        .values({ token_hash: token.tokenHash, session_id: session.id, created_at: session.createdAt, expires_at: token.expiresAt, used_at: null })
        .execute();
    });
  }

  async findById(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSessionRecord(row);
  }

  async findWithUser(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const [row] = await sessionWithUser(this.db, id);
    if (!row) return undefined;
    const user: UserRecord = {
      id: row.user_id,
      username: row.username,
      email: row.email,
      displayName: row.display_name,
      passwordHash: row.password_hash,
      createdAt: row.user_created_at,
      ...(row.is_bot === 1 ? { isBot: true, botWorkspaceId: row.bot_workspace_id } : {}),
    };
    return { session: toSessionRecord(row), user };
  }

  async findByRefreshTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .selectAll('sessions')
      .where('refresh_tokens.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toSessionRecord(row);
  }

  async listActiveForUser(userId: string, now: number): Promise<SessionRecord[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('kind', '=', 'login')
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .execute();
    return rows.map(toSessionRecord);
  }

  async rotateRefreshToken(oldHash: string, next: NewRefreshToken, now: number): Promise<RotateOutcome> {
    return this.db.transaction().execute(async (trx): Promise<RotateOutcome> => {
      const current = await trx
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select(['refresh_tokens.used_at', 'refresh_tokens.expires_at as token_expires_at', 'sessions.id', 'sessions.revoked_at', 'sessions.expires_at'])
        .where('refresh_tokens.token_hash', '=', oldHash)
        .executeTakeFirst();
      // An ended session's tokens are simply invalid, however often they are presented.
      if (!current || current.revoked_at !== null || current.expires_at <= now) return { status: 'invalid' };
      if (current.used_at !== null) return { status: 'reused', sessionId: current.id };
      if (current.token_expires_at <= now) return { status: 'invalid' };
      // The conditional update is the compare-and-set: of two racing rotations, one wins.
      const claimed = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', oldHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 0n) return { status: 'reused', sessionId: current.id };
      const session = await trx
        .updateTable('sessions')
        // Sliding expiry: the session lives as long as its newest refresh token.
        .set({ last_used_at: now, expires_at: next.expiresAt })
        .where('id', '=', current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('refresh_tokens')
        .values({ token_hash: next.tokenHash, session_id: session.id, created_at: now, expires_at: next.expiresAt, used_at: null })
        .execute();
      return { status: 'rotated', session: toSessionRecord(session) };
    });
  }

  async revoke(userId: string, sessionId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', sessionId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async revokeAllForUser(userId: string, now: number, keepSessionId?: string): Promise<number> {
    let query = this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
