import { Limits } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { UserRecord } from '../storage/port.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import { AppError } from '../errors.js';
import { signAccess, type IssuedTokens } from './sessionStarter.js';
import { revokeSessions } from './sessionRevoker.js';

/**
 * Rotates a refresh token. A token presented twice means two parties hold it — one of them a
 * thief — so the whole session (every token of its family, and its live connections) is revoked
 * (OAuth 2.0 Security BCP §4.14).
 */
export async function refreshSession(ctx: AppContext, refreshToken: string): Promise<IssuedTokens & { user: UserRecord }> {
  const now = ctx.clock.now();
  const next = randomToken();
  const outcome = await ctx.storage.sessions.rotateRefreshToken(
    hashToken(refreshToken),
    { tokenHash: hashToken(next), expiresAt: now + Limits.refreshTokenTtlSeconds * 1000 },
    now,
  );
  if (outcome.status === 'reused') {
    const session = await ctx.storage.sessions.findById(outcome.sessionId);
    if (session) await revokeSessions(ctx, session.userId, { ids: [session.id] });
    ctx.logger.warn({ sessionId: outcome.sessionId }, 'refresh token reused: session revoked');
    throw new AppError('REFRESH_TOKEN_REUSED', 'This session was signed out for your safety; please log in again');
  }
  if (outcome.status === 'invalid') throw new AppError('UNAUTHENTICATED', 'Your session has ended; please log in again');

  const { session } = outcome;
  const user = await ctx.storage.users.findById(session.userId);
  if (!user) throw new AppError('UNAUTHENTICATED', 'Your session has ended; please log in again');
  const access = await signAccess(ctx, user.id, session.id);
  return {
    user,
    sessionId: session.id,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: next,
    refreshTokenExpiresAt: now + Limits.refreshTokenTtlSeconds * 1000,
  };
}
