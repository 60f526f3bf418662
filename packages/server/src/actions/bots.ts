import { randomUUID } from 'node:crypto';
import type { ApiToken, CreateBotRequest, CreateTokenRequest, CreatedToken, User } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { UserRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { ConflictError } from '../storage/errors.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';
import { presentUser } from '../presenters/user.js';
import { createToken, listTokens, revokeToken } from './apiTokens.js';

/** Not an argon2 hash: no password verifies against it (and logins refuse bots before trying). */
const NO_PASSWORD = '!bot';

/**
 * Bots: users that post through API tokens, never log in, and are marked as bots wherever they
 * appear. A workspace's admins create them there and manage their tokens.
 */
export async function createBot(ctx: AppContext, adminId: string, workspaceId: string, request: CreateBotRequest): Promise<User> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, adminId, workspaceId));
  const now = ctx.clock.now();
  const id = randomUUID();
  const bot: UserRecord = {
    id,
    username: request.username.toLowerCase(),
    // Unique and never deliverable (RFC 2606 .invalid): a bot has no mailbox.
    email: `bot-${id}@bots.invalid`,
    displayName: request.displayName?.trim() || request.username,
    passwordHash: NO_PASSWORD,
    createdAt: now,
    isBot: true,
    botWorkspaceId: workspaceId,
  };
  try {
    await ctx.storage.users.create(bot);
  } catch (err) {
    if (err instanceof ConflictError) throw new AppError('USERNAME_TAKEN', 'That username is taken', [{ field: 'username', message: 'taken' }]);
    throw err;
  }
  await ctx.storage.workspaces.addMember({ workspaceId, userId: id, role: 'member', joinedAt: now });
  ctx.notifyWorkspaceMembership(id, workspaceId, true);
  return presentUser(bot);
}

export async function listBots(ctx: AppContext, adminId: string, workspaceId: string): Promise<User[]> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, adminId, workspaceId));
  return (await ctx.storage.users.listBots(workspaceId)).map(presentUser);
}

/** The bot, if it is one of this workspace's and the caller administers the workspace; else the same 404 as a missing bot. */
async function managedBot(ctx: AppContext, adminId: string, workspaceId: string, botId: string): Promise<UserRecord> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, adminId, workspaceId));
  const bot = await ctx.storage.users.findById(botId);
  if (!bot?.isBot || bot.botWorkspaceId !== workspaceId) throw new AppError('NOT_FOUND', 'No such bot');
  return bot;
}

export async function createBotToken(ctx: AppContext, adminId: string, workspaceId: string, botId: string, request: CreateTokenRequest, ip: string | null): Promise<CreatedToken> {
  const bot = await managedBot(ctx, adminId, workspaceId, botId);
  return createToken(ctx, adminId, bot.id, 'bot', request, ip);
}

export async function listBotTokens(ctx: AppContext, adminId: string, workspaceId: string, botId: string): Promise<ApiToken[]> {
  const bot = await managedBot(ctx, adminId, workspaceId, botId);
  return listTokens(ctx, bot.id);
}

export async function revokeBotToken(ctx: AppContext, adminId: string, workspaceId: string, botId: string, tokenId: string): Promise<void> {
  const bot = await managedBot(ctx, adminId, workspaceId, botId);
  await revokeToken(ctx, bot.id, tokenId);
}
