import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';

/** Whether the two share a workspace: the only people one can see, and so the only ones to block. */
async function shareAWorkspace(ctx: AppContext, userId: string, otherId: string): Promise<boolean> {
  for (const w of await ctx.storage.workspaces.listForUser(userId)) {
    if (await ctx.storage.workspaces.getMember(w.id, otherId)) return true;
  }
  return false;
}

/**
 * Blocks are the blocker's private list: nothing tells the blocked user they are blocked. Only
 * someone one shares a workspace with can be newly blocked: an id that does not exist and the
 * id of someone in another tenant get the same 404, so the endpoint tells no one who exists.
 * What a block then stops is decided in policies/blocks.ts.
 */
export async function setBlocked(ctx: AppContext, userId: string, targetId: string, blocked: boolean): Promise<void> {
  if (targetId === userId) throw new AppError('VALIDATION_FAILED', 'You cannot block yourself', [{ field: 'userId', message: 'is you' }]);
  if (!blocked) return ctx.storage.blocks.unblock(userId, targetId);
  // Blocking again stays idempotent after the two stopped sharing a workspace.
  const already = (await ctx.storage.blocks.blockersAmong(targetId, [userId])).length > 0;
  if (!already && !(await shareAWorkspace(ctx, userId, targetId))) throw new AppError('NOT_FOUND', 'No such user');
  await ctx.storage.blocks.block(userId, targetId, ctx.clock.now());
}

export const listBlocked = (ctx: AppContext, userId: string) => ctx.storage.blocks.listBlocked(userId);
