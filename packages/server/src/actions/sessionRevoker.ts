import type { AppContext } from '../context.js';
import type { SessionRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { hashToken } from '../auth/secrets.js';

export function listSessions(ctx: AppContext, userId: string): Promise<SessionRecord[]> {
  return ctx.storage.sessions.listActiveForUser(userId, ctx.clock.now());
}

/** Ends one of the user's own sessions. Someone else's session id answers 404, like a missing one. */
export async function revokeSession(ctx: AppContext, userId: string, sessionId: string): Promise<void> {
  const revoked = await ctx.storage.sessions.revoke(userId, sessionId, ctx.clock.now());
  if (!revoked) throw new AppError('NOT_FOUND', 'No such session');
}

/** Logout: idempotent, so a double click or a retried request is not an error. */
export async function endSession(ctx: AppContext, userId: string, sessionId: string): Promise<void> {
  await ctx.storage.sessions.revoke(userId, sessionId, ctx.clock.now());
}

/** Logout through the refresh cookie, for when the access token has already expired. */
export async function endSessionByRefreshToken(ctx: AppContext, refreshToken: string): Promise<void> {
  const session = await ctx.storage.sessions.findByRefreshTokenHash(hashToken(refreshToken));
  if (session) await ctx.storage.sessions.revoke(session.userId, session.id, ctx.clock.now());
}
