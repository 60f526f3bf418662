import type { AppContext } from '../context.js';
import type { UserRecord } from '../storage/port.js';
import { AppError } from '../errors.js';

export interface Principal {
  user: UserRecord;
  sessionId: string;
  /** An API token's scopes; absent for a signed-in session, which may do everything its user may. */
  scopes?: readonly string[];
  /** The API token the request was made with (for the audit log). */
  tokenId?: string;
}

/**
 * Turns an access token into a principal. The session is looked up on every request so that
 * logout and revocation take effect at once rather than when the 15-minute token expires.
 */
export async function verifyAccess(ctx: AppContext, token: string): Promise<Principal> {
  const result = await ctx.accessTokens.verify(token);
  if (!result.ok) {
    throw result.reason === 'expired'
      ? new AppError('TOKEN_EXPIRED', 'Access token expired; refresh it')
      : new AppError('UNAUTHENTICATED', 'Invalid access token');
  }
  const { userId, sessionId } = result.claims;
  const found = await ctx.storage.sessions.findWithUser(sessionId);
  const session = found?.session;
  if (!found || !session || session.userId !== userId || session.revokedAt !== null || found.user.deactivatedAt || session.expiresAt <= ctx.clock.now()) {
    throw new AppError('SESSION_REVOKED', 'This session has been signed out');
  }
  return { user: found.user, sessionId };
}
