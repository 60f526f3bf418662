import { MessageLimits, type HistoryQuery } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { MessageRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessChannel, accessMessage } from '../policies/channelAccess.js';

export interface HistoryPage {
  /** Newest first. */
  messages: MessageRecord[];
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

/**
 * Top-level messages by sequence cursor, newest first: the latest page, `before` a seq, `after`
 * a seq, or `around` a message. One more row than asked tells whether more exist (no OFFSET, no COUNT).
 */
export async function readHistory(ctx: AppContext, userId: string, channelId: string, q: HistoryQuery): Promise<HistoryPage> {
  await accessChannel(ctx, userId, channelId);
  const limit = q.limit ?? 50;
  const store = ctx.storage.messages;
  if ([q.before, q.after, q.around].filter((v) => v !== undefined).length > 1) {
    throw new AppError('VALIDATION_FAILED', 'Use one of before, after and around', [{ field: 'query', message: 'before, after and around exclude each other' }]);
  }
  const older = async (beforeSeq: number | undefined, n: number) => {
    const rows = await store.page(channelId, { beforeSeq, limit: n + 1, order: 'desc' });
    return { rows: rows.slice(0, n), more: rows.length > n };
  };
  const newer = async (afterSeq: number, n: number) => {
    const rows = await store.page(channelId, { afterSeq, limit: n + 1, order: 'asc' });
    return { rows: rows.slice(0, n).reverse(), more: rows.length > n };
  };

  if (q.after !== undefined) {
    const up = await newer(q.after, limit);
    const hasMoreBefore = (await store.page(channelId, { beforeSeq: q.after + 1, limit: 1, order: 'desc' })).length > 0;
    return { messages: up.rows, hasMoreBefore, hasMoreAfter: up.more };
  }
  if (q.around !== undefined) {
    const anchor = await store.findById(q.around);
    if (!anchor || anchor.channelId !== channelId || anchor.threadRootId !== null) throw new AppError('NOT_FOUND', 'No such message');
    const half = Math.floor((limit - 1) / 2);
    const up = await newer(anchor.seq, limit - 1 - half);
    const down = await older(anchor.seq, half);
    return { messages: [...up.rows, anchor, ...down.rows], hasMoreBefore: down.more, hasMoreAfter: up.more };
  }
  const down = await older(q.before, limit);
  const hasMoreAfter = q.before !== undefined && (await store.page(channelId, { afterSeq: q.before - 1, limit: 1, order: 'asc' })).length > 0;
  return { messages: down.rows, hasMoreBefore: down.more, hasMoreAfter };
}

/** A thread's replies, oldest first, after a seq cursor. */
export async function readReplies(ctx: AppContext, userId: string, rootId: string, after: number | undefined, limit = 50) {
  const { message: root } = await accessMessage(ctx, userId, rootId);
  if (root.threadRootId !== null) throw new AppError('NOT_FOUND', 'No such thread');
  const rows = await ctx.storage.messages.replies(rootId, { afterSeq: after, limit: limit + 1, order: 'asc' });
  return { root, replies: rows.slice(0, limit), hasMore: rows.length > limit };
}

/**
 * The change feed: every numbered change after `after`, in order, as the UTF-8 JSON of an
 * EventPage. The stored payloads are spliced in as the bytes they are stored as: the feed is the
 * hottest read of a reconnecting client, and parsing and re-serializing a hundred events bought
 * nothing (nor did decoding them into JS strings to encode them again: ~30 % of building a page).
 */
export async function readEventsJson(ctx: AppContext, userId: string, channelId: string, after: number, limit: number = MessageLimits.eventPageMax): Promise<Buffer> {
  const access = await accessChannel(ctx, userId, channelId);
  const rows = await ctx.storage.events.afterAsBytes(channelId, after, limit);
  const parts: Buffer[] = [Buffer.from('{"events":[')];
  rows.forEach((r, i) => {
    const head = `${i > 0 ? ',' : ''}{"channelId":${JSON.stringify(r.channelId)},"seq":${r.seq},"actorId":${JSON.stringify(r.actorId)},"at":"${new Date(r.createdAt).toISOString()}","event":`;
    parts.push(Buffer.from(head), r.payloadBytes, CLOSE_EVENT);
  });
  parts.push(Buffer.from(`],"lastSeq":${access.channel.lastSeq}}`));
  return Buffer.concat(parts);
}

const CLOSE_EVENT = Buffer.from('}');

export async function readEdits(ctx: AppContext, userId: string, messageId: string) {
  const { message } = await accessMessage(ctx, userId, messageId);
  if (message.deletedAt !== null) return [];
  return ctx.storage.messages.edits(messageId);
}
