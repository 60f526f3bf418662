import type { AppContext } from '../context.js';
import type { UserRecord } from '../storage/port.js';
import { AppError } from '../errors.js';

/** One answer for "no such user" and "wrong password", in the same time, so accounts can't be enumerated. */
export async function checkCredentials(ctx: AppContext, login: string, password: string): Promise<UserRecord> {
  const user = await ctx.storage.users.findByLogin(login.trim());
  if (!user) {
    await ctx.passwords.burn(password);
  } else if (await ctx.passwords.verify(user.passwordHash, password)) {
    return user;
  }
  throw new AppError('INVALID_CREDENTIALS', 'Wrong username or password');
}
