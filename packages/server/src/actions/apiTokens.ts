import { randomUUID } from 'node:crypto';
import { TokenLimits, type ApiToken, type CreateTokenRequest, type CreatedToken, type TokenScope } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { ApiTokenRecord, SessionRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { hashToken } from '../auth/secrets.js';
import { isWellFormedApiToken, newApiToken, type TokenKind } from '../auth/tokenFormat.js';
import { revokeSessions } from './sessionRevoker.js';
import type { Principal } from './accessVerifier.js';

/** A token without an expiry: its session's expiry is the end of the representable calendar. */
const NEVER = Date.UTC(9999, 11, 31);
/** Last use is written at most this often per token: not a database write per request. */
const TOUCH_EVERY_MS = 60_000;
const DAY_MS = 86_400_000;

export const presentToken = ({ token, session }: { token: ApiTokenRecord; session: SessionRecord }): ApiToken => ({
  id: token.id,
  name: token.name,
  scopes: (session.scopes ?? []) as TokenScope[],
  hint: token.hint,
  createdAt: new Date(token.createdAt).toISOString(),
  expiresAt: session.expiresAt >= NEVER ? null : new Date(session.expiresAt).toISOString(),
  lastUsedAt: token.lastUsedAt === null ? null : new Date(token.lastUsedAt).toISOString(),
  lastUsedIp: token.lastUsedIp,
});

/**
 * Mints a token for `ownerId` (the caller, or a bot its admin manages), shown once: only its hash
 * is stored. Its scopes and expiry live on its own session (see migration 0008).
 */
export async function createToken(
  ctx: AppContext,
  createdBy: string,
  ownerId: string,
  kind: TokenKind,
  request: CreateTokenRequest,
  ip: string | null,
): Promise<CreatedToken> {
  const now = ctx.clock.now();
  if ((await ctx.storage.tokens.listActiveForUser(ownerId, now)).length >= TokenLimits.maxActivePerUser) {
    throw new AppError('CONFLICT', `At most ${TokenLimits.maxActivePerUser} active tokens per user; revoke one first`);
  }
  const secret = newApiToken(kind);
  const session: SessionRecord = {
    id: randomUUID(),
    userId: ownerId,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: request.expiresInDays ? now + request.expiresInDays * DAY_MS : NEVER,
    revokedAt: null,
    userAgent: `token: ${request.name.trim()}`,
    ip,
    kind: 'token',
    scopes: request.scopes,
  };
  const token: ApiTokenRecord = {
    id: randomUUID(),
    userId: ownerId,
    sessionId: session.id,
    name: request.name.trim(),
    hint: secret.slice(-4),
    createdBy,
    createdAt: now,
    lastUsedAt: null,
    lastUsedIp: null,
  };
  await ctx.storage.tokens.create({ ...token, tokenHash: hashToken(secret) }, session);
  return { ...presentToken({ token, session }), token: secret };
}

export async function listTokens(ctx: AppContext, userId: string): Promise<ApiToken[]> {
  return (await ctx.storage.tokens.listActiveForUser(userId, ctx.clock.now())).map(presentToken);
}

/** Revokes at once: REST from the next request, live sockets and streams closed (4004) on every node. */
export async function revokeToken(ctx: AppContext, ownerId: string, tokenId: string): Promise<void> {
  const found = await ctx.storage.tokens.findById(tokenId);
  if (!found || found.token.userId !== ownerId) throw new AppError('NOT_FOUND', 'No such token');
  await revokeSessions(ctx, ownerId, { ids: [found.session.id] });
}

/** `Authorization: Bearer rdp_…/rdb_…`: the principal of a live token, its last use recorded. */
export async function authenticateApiToken(ctx: AppContext, secret: string, ip: string | null): Promise<Principal> {
  if (!isWellFormedApiToken(secret)) throw new AppError('UNAUTHENTICATED', 'Invalid API token');
  const found = await ctx.storage.tokens.findByHash(hashToken(secret));
  if (!found) throw new AppError('UNAUTHENTICATED', 'Invalid API token');
  const { token, session, user } = found;
  const now = ctx.clock.now();
  // A deactivated user's tokens were revoked with it; this also refuses any minted since.
  if (session.revokedAt !== null || user.deactivatedAt) throw new AppError('SESSION_REVOKED', 'This token has been revoked');
  if (session.expiresAt <= now) throw new AppError('TOKEN_EXPIRED', 'This token has expired; create a new one');
  if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_EVERY_MS) {
    await ctx.storage.tokens.touch(token.id, now, ip);
  }
  return { user, sessionId: session.id, scopes: session.scopes ?? [], tokenId: token.id };
}
