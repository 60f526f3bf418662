import { ChannelLimits, type UpdateChannelRequest } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { ChannelRecord } from '../storage/port.js';
import { ConflictError } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { accessChannel, assertCanArchive, assertCanUpdate, type ChannelAccess } from '../policies/channelAccess.js';
import { presentChannel } from '../presenters/chat.js';
import { recordChange } from './changeRecorder.js';
import { slugify } from './channelCreator.js';
import { normalizeLine } from './textRules.js';

async function applyUpdate(ctx: AppContext, access: ChannelAccess, changes: Parameters<AppContext['storage']['channels']['update']>[1]): Promise<ChannelRecord> {
  const now = ctx.clock.now();
  try {
    const { channel, event } = await ctx.storage.transaction(async (tx) => {
      const seq = await tx.channels.nextSeq(access.channel.id);
      const updated = await tx.channels.update(access.channel.id, changes);
      const { isMember: _omit, ...snapshot } = presentChannel(updated, true);
      const event = await recordChange(tx, updated.id, access.userId, now, { type: 'channel.updated', channel: snapshot }, seq);
      return { channel: updated, event };
    });
    ctx.publish([event]);
    return channel;
  } catch (err) {
    if (err instanceof ConflictError) throw new AppError('SLUG_TAKEN', 'A channel with that name already exists');
    throw err;
  }
}

export async function updateChannel(ctx: AppContext, userId: string, channelId: string, input: UpdateChannelRequest): Promise<ChannelRecord> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanUpdate(access);
  const name = input.name === undefined ? undefined : normalizeLine(input.name, 'name', ChannelLimits.channelNameMax);
  const topic = input.topic === undefined ? undefined : normalizeLine(input.topic, 'topic', ChannelLimits.topicMax, { allowEmpty: true });
  return applyUpdate(ctx, access, {
    ...(name !== undefined ? { name, slug: slugify(name) } : {}),
    ...(topic !== undefined ? { topic } : {}),
  });
}

export async function setArchived(ctx: AppContext, userId: string, channelId: string, archived: boolean): Promise<ChannelRecord> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanArchive(access);
  if ((access.channel.archivedAt !== null) === archived) return access.channel;
  return applyUpdate(ctx, access, { archivedAt: archived ? ctx.clock.now() : null });
}
