import type { PasswordLink } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import { accessWorkspace, requireWorkspaceAdmin } from '../policies/workspaceAccess.js';
import { revokeSessions } from './sessionRevoker.js';

/** Long enough to reach someone by mail over a weekend; short enough not to linger. */
const LINK_TTL_MS = 72 * 3_600_000;

/**
 * A workspace admin hands a member (typically one provisioned over SCIM, who has no password) a
 * single-use link to set one. The token rides in the URL's fragment, which browsers never send to
 * a server, so it stays out of access logs and Referer headers.
 */
export async function issuePasswordLink(ctx: AppContext, adminId: string, workspaceId: string, userId: string): Promise<PasswordLink> {
  requireWorkspaceAdmin(await accessWorkspace(ctx, adminId, workspaceId));
  const member = await ctx.storage.workspaces.getMember(workspaceId, userId);
  const user = member && (await ctx.storage.users.findById(userId));
  if (!user) throw new AppError('NOT_FOUND', 'No such member');
  if (user.isBot) throw new AppError('FORBIDDEN', 'Bots sign in with tokens, not passwords');
  const token = randomToken();
  const now = ctx.clock.now();
  await ctx.storage.passwordLinks.create({ tokenHash: hashToken(token), userId, workspaceId, createdBy: adminId, createdAt: now, expiresAt: now + LINK_TTL_MS });
  return { url: `${ctx.config.publicUrl.replace(/\/$/, '')}/set-password#${token}`, expiresAt: new Date(now + LINK_TTL_MS).toISOString() };
}

/** Uses a link once: the new password is set and every session of the user ends. */
export async function setPasswordWithLink(ctx: AppContext, token: string, password: string): Promise<void> {
  const userId = await ctx.storage.passwordLinks.consume(hashToken(token), ctx.clock.now());
  if (!userId) throw new AppError('LINK_INVALID', 'This link is invalid, expired or already used; ask an admin for a new one');
  await ctx.storage.users.setPasswordHash(userId, await ctx.passwords.hash(password));
  await revokeSessions(ctx, userId, { allExcept: undefined });
}
