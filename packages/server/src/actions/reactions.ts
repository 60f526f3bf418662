import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { accessMessage, assertCanPost } from '../policies/channelAccess.js';
import { changeChannel, recordChange } from './changeRecorder.js';
import { requireLive } from './messageEditor.js';

/** One reaction per user, emoji and message: adding twice or removing what is not there changes nothing. */
export async function setReaction(ctx: AppContext, userId: string, messageId: string, emoji: string, present: boolean): Promise<void> {
  const { access, message } = await accessMessage(ctx, userId, messageId);
  await assertCanPost(ctx, access);
  if (message.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such message');
  const key = emoji.normalize('NFC');
  const now = ctx.clock.now();
  const event = await changeChannel(ctx.storage, message.channelId, async (tx, seq) => {
    await requireLive(tx, messageId);
    const changed = present
      ? await tx.messages.addReaction({ messageId, userId, emoji: key, createdAt: now })
      : await tx.messages.removeReaction(messageId, userId, key);
    if (!changed) return undefined;
    return recordChange(tx, message.channelId, userId, now, { type: present ? 'reaction.added' : 'reaction.removed', messageId, emoji: key, userId }, seq);
  });
  if (event) ctx.publish([event]);
}
