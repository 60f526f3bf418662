import { randomUUID } from 'node:crypto';
import type { Message, SendMessageRequest, StoredChannelEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { MessageRecord, Storage } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { accessChannel, assertCanPost } from '../policies/channelAccess.js';
import { reachableMentions } from '../policies/blocks.js';
import { presentMessage, presentNewMessage } from '../presenters/chat.js';
import { normalizeBody, parseMentions } from './messageBody.js';
import { changeChannel, recordChange } from './changeRecorder.js';

/**
 * Mentioned users who are in the channel's workspace and have not blocked the author; a name
 * that matches nobody is plain text.
 */
export async function resolveMentions(ctx: AppContext, authorId: string, workspaceId: string, body: string) {
  const parsed = parseMentions(body);
  const users = await ctx.storage.users.findByUsernames(parsed.usernames);
  const ids: string[] = [];
  for (const u of users) if (await ctx.storage.workspaces.getMember(workspaceId, u.id)) ids.push(u.id);
  return { userIds: await reachableMentions(ctx, authorId, ids), channel: parsed.channel };
}

export interface SendResult {
  message: MessageRecord;
  /** The message as clients see it (the same view the message.created event carries). */
  view: Message;
  /** False when the client message id had been used: the earlier message is returned as is. */
  created: boolean;
}

async function replay(ctx: AppContext, authorId: string, channelId: string, clientMessageId: string): Promise<SendResult | undefined> {
  const earlier = await ctx.storage.messages.findByClientId(authorId, clientMessageId);
  if (!earlier) return undefined;
  if (earlier.channelId !== channelId) throw new AppError('CONFLICT', 'This clientMessageId was already used for another channel');
  return { message: earlier, view: await presentMessage(ctx.storage, earlier), created: false };
}

/**
 * Sends a message. It is numbered and committed before this returns (the acknowledgement), and
 * listeners hear of it only after the commit. With a client message id the send is idempotent:
 * a retry — even one racing the original — returns the original message.
 */
export async function sendMessage(ctx: AppContext, userId: string, channelId: string, input: SendMessageRequest): Promise<SendResult> {
  const access = await accessChannel(ctx, userId, channelId);
  const cid = input.clientMessageId ?? null;
  if (cid) {
    const earlier = await replay(ctx, userId, channelId, cid);
    if (earlier) return earlier;
  }
  await assertCanPost(ctx, access);
  const attachmentIds = input.attachmentIds ?? [];
  const body = normalizeBody(input.body, { allowEmpty: attachmentIds.length > 0 });
  if (input.threadRootId) {
    const root = await ctx.storage.messages.findById(input.threadRootId);
    if (!root || root.channelId !== channelId || root.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such thread');
    if (root.threadRootId !== null) throw new AppError('VALIDATION_FAILED', 'Reply to the thread root', [{ field: 'threadRootId', message: 'is itself a reply' }]);
  }
  const mentions = await resolveMentions(ctx, userId, access.channel.workspaceId, body);
  const now = ctx.clock.now();
  try {
    const { message, view, events } = (await changeChannel(ctx.storage, channelId, async (tx, seq) => {
      await recheckUnderLock(tx, channelId, userId, input.threadRootId);
      const message: MessageRecord = {
        id: randomUUID(),
        channelId,
        seq,
        authorId: userId,
        body,
        clientMessageId: cid,
        threadRootId: input.threadRootId ?? null,
        replyCount: 0,
        lastReplyAt: null,
        mentionsChannel: mentions.channel,
        attachmentCount: attachmentIds.length,
        createdAt: now,
        editedAt: null,
        deletedAt: null,
      };
      await tx.messages.insert(message, mentions.userIds);
      if ((await tx.files.attach(attachmentIds, userId, channelId, message.id)) !== attachmentIds.length) {
        throw new AppError('VALIDATION_FAILED', 'Attach only your own uploads to this channel, each to one message', [
          { field: 'attachmentIds', message: 'contains a file that is unknown, not yours, from another channel or already attached' },
        ]);
      }
      const files = attachmentIds.length > 0 ? await tx.files.listForMessages([message.id]) : [];
      const view = presentNewMessage(message, mentions.userIds, files);
      const events: StoredChannelEvent[] = [await recordChange(tx, channelId, userId, now, { type: 'message.created', message: view }, seq)];
      if (message.threadRootId) events.push(await threadUpdated(tx, channelId, userId, message.threadRootId, now));
      return { message, view, events };
    }))!;
    ctx.publish(events);
    return { message, view, created: true };
  } catch (err) {
    if (cid && err instanceof ConflictError) {
      const earlier = await replay(ctx, userId, channelId, cid);
      if (earlier) return earlier;
    }
    throw err;
  }
}

/** Recounts a thread's root and numbers that change too: clients keep reply counts from the feed. */
export async function threadUpdated(tx: Storage, channelId: string, actorId: string, rootId: string, now: number): Promise<StoredChannelEvent> {
  const stats = await tx.messages.refreshThread(rootId);
  return recordChange(tx, channelId, actorId, now, {
    type: 'thread.updated',
    messageId: rootId,
    replyCount: stats.replyCount,
    lastReplyAt: stats.lastReplyAt === null ? null : new Date(stats.lastReplyAt).toISOString(),
  });
}

/**
 * The checks made before the transaction, made again under the channel lock: a removal, an
 * archiving or the deletion of the thread root that committed meanwhile refuses this send.
 */
async function recheckUnderLock(tx: Storage, channelId: string, userId: string, threadRootId: string | undefined): Promise<void> {
  const found = await tx.channels.findWithMemberships(channelId, userId);
  const channel = found?.channel;
  if (!channel || !found.channelMember) throw new AppError('NOT_A_MEMBER', 'Join the channel first');
  if (channel.archivedAt !== null) throw new AppError('CHANNEL_ARCHIVED', 'This channel is archived and read-only');
  if (threadRootId) {
    const root = await tx.messages.findById(threadRootId);
    if (!root || root.deletedAt !== null) throw new AppError('NOT_FOUND', 'No such thread');
  }
}
