import type { AppContext } from '../context.js';
import type { UserRecord } from '../storage/port.js';
import { AppError } from '../errors.js';

/**
 * Called with the account a login attempt targets before the password is checked: the user id
 * when the login names an account (by username or by email alike), else the login text.
 */
export type AttemptThrottle = (accountKey: string) => Promise<void>;

/** One answer for "no such user" and "wrong password", in the same time, so accounts can't be enumerated. */
export async function checkCredentials(ctx: AppContext, login: string, password: string, throttle: AttemptThrottle): Promise<UserRecord> {
  const normalized = login.trim().toLowerCase();
  const user = await ctx.storage.users.findByLogin(normalized);
  await throttle(user ? `user:${user.id}` : `login:${normalized}`);
  // A bot has no password: it signs in with its tokens only, and answers like a wrong password.
  // So does a deactivated user (SCIM `active: false`): the same answer, nothing to enumerate.
  if (!user || user.isBot || user.deactivatedAt) {
    await ctx.passwords.burn(password);
  } else if (await ctx.passwords.verify(user.passwordHash, password)) {
    return user;
  }
  throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password');
}
