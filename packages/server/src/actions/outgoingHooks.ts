import { randomBytes, randomUUID } from 'node:crypto';
import type { CreateOutgoingHookRequest, CreatedOutgoingHook, Delivery, OutgoingHook } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { OutgoingHookRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessChannel, assertCanManageIntegrations } from '../policies/channelAccess.js';
import { newWebhookSecret, SecretSealer } from '../auth/webhookSigning.js';
import { insertBot } from './bots.js';
import { addMember } from './channelMembership.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const present = (h: OutgoingHookRecord): OutgoingHook => ({
  id: h.id,
  channelId: h.channelId,
  name: h.name,
  url: h.url,
  triggerWords: h.triggerWords,
  botUserId: h.botUserId,
  createdAt: new Date(h.createdAt).toISOString(),
  disabledAt: iso(h.disabledAt),
  disabledReason: h.disabledReason,
});

/**
 * An outgoing webhook of a channel: every new message (or those starting with a trigger word)
 * is delivered to `url`, signed with a secret shown only now. Its own bot posts the receiver's
 * answers back. Delivery starts with the messages sent after it was made.
 */
export async function createOutgoingHook(ctx: AppContext, userId: string, channelId: string, request: CreateOutgoingHookRequest): Promise<CreatedOutgoingHook> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanManageIntegrations(access);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The url is not a URL', [{ field: 'url', message: 'not a URL' }]);
  }
  if (url.username || url.password) throw new AppError('VALIDATION_FAILED', 'The url must not carry credentials', [{ field: 'url', message: 'credentials' }]);
  const name = request.name.trim();
  const bot = await insertBot(ctx, access.channel.workspaceId, `outhook_${randomBytes(5).toString('hex')}`, name);
  await addMember(ctx, userId, channelId, bot.id);
  const secret = newWebhookSecret();
  const channel = await ctx.storage.channels.findById(channelId);
  const hook: OutgoingHookRecord = {
    id: randomUUID(),
    workspaceId: access.channel.workspaceId,
    channelId,
    botUserId: bot.id,
    name,
    url: url.toString(),
    triggerWords: request.triggerWords ?? [],
    secretSealed: new SecretSealer(ctx.config.jwtSecret).seal(secret),
    lastSeq: channel?.lastSeq ?? 0,
    createdBy: userId,
    createdAt: ctx.clock.now(),
    disabledAt: null,
    disabledReason: null,
  };
  await ctx.storage.outgoingHooks.create(hook);
  return { ...present(hook), secret };
}

export async function listOutgoingHooks(ctx: AppContext, userId: string, channelId: string): Promise<OutgoingHook[]> {
  assertCanManageIntegrations(await accessChannel(ctx, userId, channelId));
  return (await ctx.storage.outgoingHooks.listForChannel(channelId)).map(present);
}

async function managedHook(ctx: AppContext, userId: string, channelId: string, hookId: string): Promise<OutgoingHookRecord> {
  assertCanManageIntegrations(await accessChannel(ctx, userId, channelId));
  const hook = await ctx.storage.outgoingHooks.findById(hookId);
  if (!hook || hook.channelId !== channelId) throw new AppError('NOT_FOUND', 'No such webhook');
  return hook;
}

export async function deleteOutgoingHook(ctx: AppContext, userId: string, channelId: string, hookId: string): Promise<void> {
  await ctx.storage.outgoingHooks.delete((await managedHook(ctx, userId, channelId, hookId)).id);
}

/** The delivery log, newest first, every attempt with its status or error. */
export async function listDeliveries(ctx: AppContext, userId: string, channelId: string, hookId: string): Promise<Delivery[]> {
  const hook = await managedHook(ctx, userId, channelId, hookId);
  return (await ctx.storage.outgoingHooks.listDeliveries(hook.id, 100)).map(({ delivery: d, attempts }) => ({
    id: d.id,
    messageId: d.messageId,
    state: d.state,
    attempts: attempts.map((a) => ({ attempt: a.attempt, at: new Date(a.at).toISOString(), status: a.status, error: a.error, durationMs: a.durationMs })),
    nextAttemptAt: d.state === 'pending' ? iso(d.nextAttemptAt) : null,
    createdAt: new Date(d.createdAt).toISOString(),
  }));
}

/** Sends a delivery again now, with the same webhook-id (a receiver deduplicates on it). */
export async function redeliver(ctx: AppContext, userId: string, channelId: string, hookId: string, deliveryId: string): Promise<void> {
  const hook = await managedHook(ctx, userId, channelId, hookId);
  const delivery = await ctx.storage.outgoingHooks.findDelivery(deliveryId);
  if (!delivery || delivery.hookId !== hook.id) throw new AppError('NOT_FOUND', 'No such delivery');
  if (hook.disabledAt !== null) throw new AppError('CONFLICT', 'This webhook is disabled; create a new one');
  await ctx.storage.outgoingHooks.redeliver(delivery.id, ctx.clock.now());
  ctx.webhookQueue.poke();
}
