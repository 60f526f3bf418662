import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { Principal } from './accessVerifier.js';

/** Changing the password signs out every other session: whoever knew the old one loses access. */
export async function changePassword(ctx: AppContext, who: Principal, currentPassword: string, newPassword: string): Promise<number> {
  if (!(await ctx.passwords.verify(who.user.passwordHash, currentPassword))) {
    throw new AppError('INVALID_CREDENTIALS', 'The current password is wrong', [
      { field: 'currentPassword', message: 'does not match' },
    ]);
  }
  await ctx.storage.users.setPasswordHash(who.user.id, await ctx.passwords.hash(newPassword));
  return ctx.storage.sessions.revokeAllForUser(who.user.id, ctx.clock.now(), who.sessionId);
}
