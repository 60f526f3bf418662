import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Principal } from './accessVerifier.js';
import type { AttemptThrottle } from './credentialChecker.js';
import { revokeSessions } from './sessionRevoker.js';

/**
 * Changing the password signs out every other session, live connections included: whoever knew
 * the old one loses access.
 * Guesses at the current password count against the account's login limit, so a stolen session
 * cookie is no faster way to find the password than the login form.
 */
export async function changePassword(
  ctx: AppContext,
  who: Principal,
  currentPassword: string,
  newPassword: string,
  throttle: AttemptThrottle,
): Promise<number> {
  await throttle(`user:${who.user.id}`);
  if (!(await ctx.passwords.verify(who.user.passwordHash, currentPassword))) {
    throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong', [
      { field: 'currentPassword', message: 'does not match' },
    ]);
  }
  await ctx.storage.users.setPasswordHash(who.user.id, await ctx.passwords.hash(newPassword));
  return revokeSessions(ctx, who.user.id, { allExcept: who.sessionId });
}
