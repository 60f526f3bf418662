import type { AppContext } from '../context.js';
import type { MessageRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessChannel, accessMessage, assertCanPost } from '../policies/channelAccess.js';
import { changeChannel, recordChange } from './changeRecorder.js';
import { requireLive } from './messageEditor.js';

export async function setPinned(ctx: AppContext, userId: string, messageId: string, pinned: boolean): Promise<void> {
  const { access, message } = await accessMessage(ctx, userId, messageId);
  await assertCanPost(ctx, access);
  if (message.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such message');
  const now = ctx.clock.now();
  const event = await changeChannel(ctx.storage, message.channelId, async (tx, seq) => {
    await requireLive(tx, messageId);
    const changed = pinned ? await tx.messages.pin(message.channelId, messageId, userId, now) : await tx.messages.unpin(message.channelId, messageId);
    if (!changed) return undefined;
    return recordChange(tx, message.channelId, userId, now, { type: pinned ? 'pin.added' : 'pin.removed', messageId }, seq);
  });
  if (event) ctx.publish([event]);
}

export async function listPins(ctx: AppContext, userId: string, channelId: string): Promise<MessageRecord[]> {
  await accessChannel(ctx, userId, channelId);
  const ids = await ctx.storage.messages.pinnedIds(channelId);
  const messages = await Promise.all(ids.map((id) => ctx.storage.messages.findById(id)));
  return messages.filter((m): m is MessageRecord => m !== undefined);
}
