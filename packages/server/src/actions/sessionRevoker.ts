import type { AppContext } from '../context.js';
import type { SessionRecord } from '../storage/port.js';
import type { RevokedSessions } from '../realtime/bus.js';
import { AppError } from '../errors.js';
import { hashToken } from '../auth/secrets.js';

export function listSessions(ctx: AppContext, userId: string): Promise<SessionRecord[]> {
  return ctx.storage.sessions.listActiveForUser(userId, ctx.clock.now());
}

/**
 * The one way sign-in sessions lose access — logout, "sign out that device", a password change,
 * refresh-token reuse, and deactivation once it exists (`{ allExcept: undefined }`): revoked in
 * storage, so their access tokens fail from the next REST request on, then their live sockets and
 * streams are closed (4004) on every node. Returns how many were active.
 */
export async function revokeSessions(ctx: AppContext, userId: string, sessions: RevokedSessions): Promise<number> {
  const now = ctx.clock.now();
  const count =
    'ids' in sessions
      ? (await Promise.all(sessions.ids.map((id) => ctx.storage.sessions.revoke(userId, id, now)))).filter(Boolean).length
      : await ctx.storage.sessions.revokeAllForUser(userId, now, sessions.allExcept);
  // Also when storage had nothing left to revoke (a repeated logout): a connection that raced an
  // earlier revocation is closed all the same, and a notice that matches nobody costs nothing.
  ctx.revokeLiveAccess(userId, sessions);
  return count;
}

/** Ends one of the user's own sessions. Someone else's session id answers 404, like a missing one. */
export async function revokeSession(ctx: AppContext, userId: string, sessionId: string): Promise<void> {
  if ((await revokeSessions(ctx, userId, { ids: [sessionId] })) === 0) throw new AppError('NOT_FOUND', 'No such session');
}

/** Logout: idempotent, so a double click or a retried request is not an error. */
export async function endSession(ctx: AppContext, userId: string, sessionId: string): Promise<void> {
  await revokeSessions(ctx, userId, { ids: [sessionId] });
}

/** Logout through the refresh cookie, for when the access token has already expired. */
export async function endSessionByRefreshToken(ctx: AppContext, refreshToken: string): Promise<void> {
  const session = await ctx.storage.sessions.findByRefreshTokenHash(hashToken(refreshToken));
  if (session) await revokeSessions(ctx, session.userId, { ids: [session.id] });
}
