import { randomUUID } from 'node:crypto';
import { ChannelLimits, type CreateChannelRequest, type StoredChannelEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { ChannelKind, ChannelRecord, Storage } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { accessWorkspace, requireWorkspaceMembers } from '../policies/workspaceAccess.js';
import { assertNotBlockedByAny } from '../policies/blocks.js';
import { recordChange } from './changeRecorder.js';
import { normalizeLine } from './textRules.js';

/** "Development Team" → "development-team"; letters of any script survive, accents are dropped. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'channel';
}

async function addMembers(tx: Storage, channelId: string, actorId: string, userIds: string[], now: number) {
  const events: StoredChannelEvent[] = [];
  for (const userId of userIds) {
    const seq = await tx.channels.nextSeq(channelId);
    await tx.channels.addMember({ channelId, userId, joinedAt: now, lastReadSeq: seq });
    events.push(await recordChange(tx, channelId, actorId, now, { type: 'member.joined', userId }, seq));
  }
  return events;
}

async function insertChannel(ctx: AppContext, channel: ChannelRecord, memberIds: string[]): Promise<ChannelRecord> {
  const events = await ctx.storage.transaction(async (tx) => {
    await tx.channels.create(channel);
    return addMembers(tx, channel.id, channel.createdBy, memberIds, channel.createdAt);
  });
  ctx.publish(events);
  return { ...channel, lastSeq: events.length };
}

export async function createChannel(ctx: AppContext, userId: string, workspaceId: string, input: CreateChannelRequest): Promise<ChannelRecord> {
  await accessWorkspace(ctx, userId, workspaceId);
  const others = (input.memberIds ?? []).filter((id) => id !== userId);
  await requireWorkspaceMembers(ctx, workspaceId, others);
  await assertNotBlockedByAny(ctx, userId, others, 'You cannot add this person');
  const name = normalizeLine(input.name, 'name', ChannelLimits.channelNameMax);
  const topic = normalizeLine(input.topic ?? '', 'topic', ChannelLimits.topicMax, { allowEmpty: true });
  const channel: ChannelRecord = {
    id: randomUUID(),
    workspaceId,
    kind: input.kind ?? 'public',
    name,
    slug: slugify(name),
    topic,
    createdBy: userId,
    createdAt: ctx.clock.now(),
    archivedAt: null,
    lastSeq: 0,
    conversationKey: null,
  };
  try {
    return await insertChannel(ctx, channel, [userId, ...others]);
  } catch (err) {
    if (err instanceof ConflictError) throw new AppError('SLUG_TAKEN', `A channel named "${channel.slug}" already exists`);
    throw err;
  }
}

/**
 * Opens the DM (one other person) or group DM (two to seven others) with exactly these people:
 * the existing one when there is one, so the same call is idempotent. Someone who blocked the
 * caller cannot be pulled into a conversation with them.
 */
export async function openConversation(ctx: AppContext, userId: string, workspaceId: string, userIds: string[]) {
  await accessWorkspace(ctx, userId, workspaceId);
  const others = [...new Set(userIds)].filter((id) => id !== userId);
  if (others.length === 0) throw new AppError('VALIDATION_FAILED', 'Name at least one other person', [{ field: 'userIds', message: 'must name someone else' }]);
  await requireWorkspaceMembers(ctx, workspaceId, others);
  await assertNotBlockedByAny(ctx, userId, others, 'You cannot start a conversation with this person');
  const members = [userId, ...others].sort();
  const key = members.join(',');
  const existing = await ctx.storage.channels.findByConversationKey(workspaceId, key);
  if (existing) return { channel: await rejoin(ctx, existing, userId, members), memberIds: members, created: false };
  const kind: ChannelKind = others.length === 1 ? 'dm' : 'group_dm';
  const channel: ChannelRecord = {
    id: randomUUID(),
    workspaceId,
    kind,
    name: null,
    slug: null,
    topic: '',
    createdBy: userId,
    createdAt: ctx.clock.now(),
    archivedAt: null,
    lastSeq: 0,
    conversationKey: key,
  };
  try {
    return { channel: await insertChannel(ctx, channel, members), memberIds: members, created: true };
  } catch (err) {
    // Two people opened the same DM at once: the other request created it.
    if (!(err instanceof ConflictError)) throw err;
    const winner = await ctx.storage.channels.findByConversationKey(workspaceId, key);
    if (!winner) throw err;
    return { channel: await rejoin(ctx, winner, userId, members), memberIds: members, created: false };
  }
}

/** Reopening a conversation someone had left (or was removed from with the workspace) brings them back. */
async function rejoin(ctx: AppContext, channel: ChannelRecord, actorId: string, members: string[]): Promise<ChannelRecord> {
  const current = new Set(await ctx.storage.channels.memberIds(channel.id));
  const missing = members.filter((id) => !current.has(id));
  if (missing.length === 0) return channel;
  const events = await ctx.storage.transaction((tx) => addMembers(tx, channel.id, actorId, missing, ctx.clock.now()));
  ctx.publish(events);
  return (await ctx.storage.channels.findById(channel.id)) ?? channel;
}
