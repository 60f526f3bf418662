import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';

/** Blocks are the blocker's private list: nothing tells the blocked user they are blocked. */
export async function setBlocked(ctx: AppContext, userId: string, targetId: string, blocked: boolean): Promise<void> {
  if (targetId === userId) throw new AppError('VALIDATION_FAILED', 'You cannot block yourself', [{ field: 'userId', message: 'is you' }]);
  if (!(await ctx.storage.users.findById(targetId))) throw new AppError('NOT_FOUND', 'No such user');
  if (blocked) await ctx.storage.blocks.block(userId, targetId, ctx.clock.now());
  else await ctx.storage.blocks.unblock(userId, targetId);
}

export const listBlocked = (ctx: AppContext, userId: string) => ctx.storage.blocks.listBlocked(userId);
