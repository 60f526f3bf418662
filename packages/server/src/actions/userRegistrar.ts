import { randomUUID } from 'node:crypto';
import { Limits, type RegisterRequest } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { UserRecord } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { normalizeLine } from './textRules.js';

/** Creates an account. Shape and length were checked at the edge; this owns normalisation and uniqueness. */
export async function registerUser(ctx: AppContext, input: RegisterRequest): Promise<UserRecord> {
  const username = input.username.toLowerCase();
  // The schema admits only the exact address shape (docs/text.md): stored as sent.
  const email = input.email;
  const displayName = normalizeLine(input.displayName ?? username, 'displayName', Limits.displayNameMax);
  const user: UserRecord = {
    id: randomUUID(),
    username,
    email,
    displayName,
    passwordHash: await ctx.passwords.hash(input.password),
    createdAt: ctx.clock.now(),
  };
  try {
    await ctx.storage.users.create(user);
  } catch (err) {
    if (err instanceof ConflictError) {
      const code = err.field === 'email' ? 'EMAIL_TAKEN' : 'USERNAME_TAKEN';
      throw new AppError(code, `That ${err.field} is already registered`, [{ field: err.field, message: 'already taken' }]);
    }
    throw err;
  }
  return user;
}
