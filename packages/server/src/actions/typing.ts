import type { AppContext } from '../context.js';
import { accessChannel, assertCanType } from '../policies/channelAccess.js';

/**
 * "I am typing", from a socket frame or over REST (the SSE fallback): one rule for both.
 * Ephemeral: the channel's other followers hear it, throttled per user and channel; nothing is
 * stored. A throttled notice is dropped before any lookup, so a chatty client costs no queries.
 */
export async function startTyping(ctx: AppContext, userId: string, channelId: string): Promise<void> {
  if (!ctx.typingDue(userId, channelId)) return;
  const access = await accessChannel(ctx, userId, channelId);
  await assertCanType(ctx, access);
  ctx.notifyTyping(userId, access.channel.workspaceId, channelId);
}
