import { MessageLimits } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { ChannelMemberProfile, UnreadRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessChannel, accessMessage, assertCanMarkRead } from '../policies/channelAccess.js';

/**
 * Moves the read marker forward (never back, never past the channel's latest change), and tells
 * the user's other tabs and devices at once, so no stale unread badge survives.
 */
export async function markRead(ctx: AppContext, userId: string, channelId: string, seq: number): Promise<number> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanMarkRead(access);
  const marker = await ctx.storage.channels.markRead(channelId, userId, Math.min(seq, access.channel.lastSeq));
  if (marker > (access.channelMember?.lastReadSeq ?? 0)) ctx.notifyReadMoved(userId, channelId, marker);
  return marker;
}

export function listUnreads(ctx: AppContext, userId: string): Promise<UnreadRecord[]> {
  return ctx.storage.channels.unreads(userId, MessageLimits.unreadCap);
}

/** Who has read a message: members (other than its author) whose read marker reached it; small channels only. */
export async function readReceipts(ctx: AppContext, userId: string, messageId: string): Promise<ChannelMemberProfile[]> {
  const { message } = await accessMessage(ctx, userId, messageId);
  if ((await ctx.storage.channels.countMembers(message.channelId)) > MessageLimits.receiptsMaxMembers) {
    throw new AppError('RECEIPTS_UNAVAILABLE', `Read receipts are shown in channels of up to ${MessageLimits.receiptsMaxMembers} members`);
  }
  const readers = await ctx.storage.channels.readersAt(message.channelId, message.seq);
  return readers.filter((r) => r.userId !== message.authorId);
}
