import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import type { ChannelRecord } from '../storage/port.js';

/**
 * What a block does, decided here once. When A blocks B, B can no longer reach A:
 * - B cannot start a DM or group DM with A, create a channel with A among its first members, or
 *   add A to a channel;
 * - in a DM or group DM that includes A, B cannot send, edit, react, pin or type (it stays
 *   readable: what was said is B's too);
 * - B's @mentions of A stay as text but do not reach A (no mention is recorded for A).
 * A can still do all of it towards B, and shared channels work for both as before. A refusal
 * never says who blocked or why, and the blocked user is never told.
 */

const isConversation = (c: ChannelRecord) => c.kind === 'dm' || c.kind === 'group_dm';

/** Refuses when anyone of `otherIds` blocked `userId`: for pulling people into a channel or conversation. */
export async function assertNotBlockedByAny(ctx: AppContext, userId: string, otherIds: readonly string[], message: string): Promise<void> {
  if (otherIds.length === 0) return;
  if ((await ctx.storage.blocks.blockersAmong(userId, [...otherIds])).length > 0) throw new AppError('FORBIDDEN', message);
}

/** In a DM or group DM, a member who blocked `userId` makes it read-only for them. */
export async function assertConversationOpenTo(ctx: AppContext, userId: string, channel: ChannelRecord): Promise<void> {
  if (!isConversation(channel)) return;
  const others = (await ctx.storage.channels.memberIds(channel.id)).filter((id) => id !== userId);
  await assertNotBlockedByAny(ctx, userId, others, 'You cannot send messages in this conversation');
}

/** The mentioned users that the author may reach: those who blocked the author are left out. */
export async function reachableMentions(ctx: AppContext, authorId: string, mentionedIds: string[]): Promise<string[]> {
  if (mentionedIds.length === 0) return mentionedIds;
  const blockers = new Set(await ctx.storage.blocks.blockersAmong(authorId, mentionedIds));
  return mentionedIds.filter((id) => !blockers.has(id));
}
