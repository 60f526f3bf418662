import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { MessageRecord, Storage } from '../storage/port.js';
import { AppError } from '../errors.js';
import { removeBlobs } from './fileUploader.js';
import { accessMessage, assertCanDelete, assertCanEdit } from '../policies/channelAccess.js';
import { presentMessage } from '../presenters/chat.js';
import { normalizeBody } from './messageBody.js';
import { changeChannel, recordChange } from './changeRecorder.js';
import { resolveMentions, threadUpdated } from './messageSender.js';

/** Edits within the window keep the previous text in the edit history. */
export async function editMessage(ctx: AppContext, userId: string, messageId: string, rawBody: string): Promise<MessageRecord> {
  const { access, message } = await accessMessage(ctx, userId, messageId);
  const now = ctx.clock.now();
  await assertCanEdit(ctx, access, message, now, ctx.config.editWindowMs);
  const body = normalizeBody(rawBody);
  if (body === message.body) return message;
  const mentions = await resolveMentions(ctx, userId, access.channel.workspaceId, body);
  const { updated, event } = (await changeChannel(ctx.storage, message.channelId, async (tx, seq) => {
    await requireLive(tx, messageId);
    await tx.messages.edit(messageId, body, mentions.userIds, mentions.channel, now);
    const updated = (await tx.messages.findById(messageId))!;
    const event = await recordChange(tx, message.channelId, userId, now, { type: 'message.edited', message: await presentMessage(tx, updated) }, seq);
    return { updated, event };
  }))!;
  ctx.publish([event]);
  return updated;
}

/**
 * Deletes by leaving a tombstone: the row keeps its place (seq, thread) with an empty body, the
 * feed records the deletion, and the text is gone from storage in the same transaction — its edit
 * history, reactions, mentions, search entry, and the copies in its earlier feed events, which
 * keep their seq but carry the tombstone (see MessageStore.markDeleted). Author and admin alike.
 */
export async function deleteMessage(ctx: AppContext, userId: string, messageId: string): Promise<void> {
  const { access, message } = await accessMessage(ctx, userId, messageId);
  assertCanDelete(access, message);
  const now = ctx.clock.now();
  const { events, files } = (await changeChannel(ctx.storage, message.channelId, async (tx, seq) => {
    await requireLive(tx, messageId);
    await tx.messages.markDeleted(messageId, now);
    await tx.messages.unpin(message.channelId, messageId);
    // The rule for files: deleting a message deletes its attachments; they stop being served at commit.
    const files = await tx.files.deleteForMessage(messageId, now);
    const events: StoredChannelEvent[] = [await recordChange(tx, message.channelId, userId, now, { type: 'message.deleted', messageId }, seq)];
    if (message.threadRootId) events.push(await threadUpdated(tx, message.channelId, userId, message.threadRootId, now));
    return { events, files };
  }))!;
  ctx.publish(events);
  await removeBlobs(ctx, files);
}

/** Re-read under the channel lock: a delete that committed meanwhile wins over this change. */
export async function requireLive(tx: Storage, messageId: string): Promise<MessageRecord> {
  const current = await tx.messages.findById(messageId);
  if (!current || current.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such message');
  return current;
}
