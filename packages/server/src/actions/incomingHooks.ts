import { randomBytes, randomUUID } from 'node:crypto';
import type { CreateIncomingHookRequest, IncomingHook, IncomingHookPayload, IncomingHookWithUrl, Message } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { IncomingHookRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import { accessChannel, assertCanManageIntegrations } from '../policies/channelAccess.js';
import { insertBot } from './bots.js';
import { addMember } from './channelMembership.js';
import { sendMessage } from './messageSender.js';
import { renderHookPayload } from './hookPayload.js';

const present = (h: IncomingHookRecord): IncomingHook => ({
  id: h.id,
  channelId: h.channelId,
  name: h.name,
  botUserId: h.botUserId,
  createdAt: new Date(h.createdAt).toISOString(),
  lastUsedAt: h.lastUsedAt === null ? null : new Date(h.lastUsedAt).toISOString(),
});

const urlOf = (ctx: AppContext, secret: string) => `${ctx.config.publicUrl.replace(/\/$/, '')}/hooks/${secret}`;

/**
 * An incoming webhook of a channel: a bot of its own (named after the hook, a member of the
 * channel) and a secret URL, shown on creation and rotation only.
 */
export async function createIncomingHook(ctx: AppContext, userId: string, channelId: string, request: CreateIncomingHookRequest): Promise<IncomingHookWithUrl> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanManageIntegrations(access);
  const name = request.name.trim();
  const bot = await insertBot(ctx, access.channel.workspaceId, `hook_${randomBytes(6).toString('hex')}`, name);
  await addMember(ctx, userId, channelId, bot.id);
  const secret = randomToken();
  const hook: IncomingHookRecord = {
    id: randomUUID(),
    workspaceId: access.channel.workspaceId,
    channelId,
    botUserId: bot.id,
    name,
    createdBy: userId,
    createdAt: ctx.clock.now(),
    rotatedAt: null,
    lastUsedAt: null,
  };
  await ctx.storage.incomingHooks.create({ ...hook, secretHash: hashToken(secret) });
  return { ...present(hook), url: urlOf(ctx, secret) };
}

export async function listIncomingHooks(ctx: AppContext, userId: string, channelId: string): Promise<IncomingHook[]> {
  assertCanManageIntegrations(await accessChannel(ctx, userId, channelId));
  return (await ctx.storage.incomingHooks.listForChannel(channelId)).map(present);
}

async function managedHook(ctx: AppContext, userId: string, channelId: string, hookId: string): Promise<IncomingHookRecord> {
  assertCanManageIntegrations(await accessChannel(ctx, userId, channelId));
  const hook = await ctx.storage.incomingHooks.findById(hookId);
  if (!hook || hook.channelId !== channelId) throw new AppError('NOT_FOUND', 'No such webhook');
  return hook;
}

/** A new secret; the old URL stops working at once. */
export async function rotateIncomingHook(ctx: AppContext, userId: string, channelId: string, hookId: string): Promise<IncomingHookWithUrl> {
  const hook = await managedHook(ctx, userId, channelId, hookId);
  const secret = randomToken();
  await ctx.storage.incomingHooks.rotate(hook.id, hashToken(secret), ctx.clock.now());
  return { ...present(hook), url: urlOf(ctx, secret) };
}

export async function deleteIncomingHook(ctx: AppContext, userId: string, channelId: string, hookId: string): Promise<void> {
  const hook = await managedHook(ctx, userId, channelId, hookId);
  await ctx.storage.incomingHooks.delete(hook.id);
}

/** The hook a secret names, or the same 404 for a wrong, rotated or deleted one. */
export async function hookBySecret(ctx: AppContext, secret: string): Promise<IncomingHookRecord> {
  const hook = secret.length <= 128 ? await ctx.storage.incomingHooks.findBySecretHash(hashToken(secret)) : undefined;
  if (!hook) throw new AppError('NOT_FOUND', 'No such webhook');
  return hook;
}

/** `POST /hooks/{secret}`: posts the payload into the hook's channel as its bot, under the same rules as any post. */
export async function postThroughHook(ctx: AppContext, hook: IncomingHookRecord, payload: IncomingHookPayload): Promise<Message> {
  const { view } = await sendMessage(ctx, hook.botUserId, hook.channelId, { body: renderHookPayload(payload) });
  await ctx.storage.incomingHooks.touch(hook.id, ctx.clock.now());
  return view;
}
