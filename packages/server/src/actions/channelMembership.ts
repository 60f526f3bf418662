import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { accessChannel, assertCanAddMembers, assertCanJoin, assertCanRemoveMember } from '../policies/channelAccess.js';
import { requireWorkspaceMembers } from '../policies/workspaceAccess.js';
import { assertNotBlockedByAny } from '../policies/blocks.js';
import { changeChannel, recordChange } from './changeRecorder.js';

/** Adds `userId` with a `member.joined` change; the caller has authorized it (a bot added with its integration). */
export async function addMember(ctx: AppContext, actorId: string, channelId: string, userId: string): Promise<void> {
  const now = ctx.clock.now();
  // A newcomer starts with the history read: only what happens after joining is unread.
  const event = await changeChannel(ctx.storage, channelId, async (tx, seq) => {
    if (!(await tx.channels.addMember({ channelId, userId, joinedAt: now, lastReadSeq: seq }))) return undefined;
    return recordChange(tx, channelId, actorId, now, { type: 'member.joined', userId }, seq);
  });
  if (event) ctx.publish([event]);
}

/** Joining a public channel; joining one already joined changes nothing. */
export async function joinChannel(ctx: AppContext, userId: string, channelId: string): Promise<void> {
  const access = await accessChannel(ctx, userId, channelId);
  if (access.channelMember) return;
  assertCanJoin(access);
  await addMember(ctx, userId, channelId, userId);
}

export async function addChannelMember(ctx: AppContext, userId: string, channelId: string, targetId: string): Promise<void> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanAddMembers(access);
  await requireWorkspaceMembers(ctx, access.channel.workspaceId, [targetId]);
  await assertNotBlockedByAny(ctx, userId, [targetId], 'You cannot add this person');
  await addMember(ctx, userId, channelId, targetId);
}

/** Leave (oneself) or remove (someone else). From then on the removed user cannot read a private channel. */
export async function removeChannelMember(ctx: AppContext, userId: string, channelId: string, targetId: string): Promise<void> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanRemoveMember(access, targetId);
  const now = ctx.clock.now();
  const event = await ctx.storage.transaction(async (tx) => {
    if (!(await tx.channels.removeMember(channelId, targetId))) return undefined;
    return recordChange(tx, channelId, userId, now, { type: 'member.left', userId: targetId });
  });
  if (!event) throw new AppError('NOT_FOUND', 'Not a member of this channel');
  ctx.publish([event]);
}
