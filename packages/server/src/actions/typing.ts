import type { AppContext } from '../context.js';
import { accessChannel, assertCanType } from '../policies/channelAccess.js';

/**
 * "I am typing" from a client that has no socket to say it on (the SSE fallback). Ephemeral:
 * the channel's other followers hear it, throttled per user and channel; nothing is stored.
 */
export async function startTyping(ctx: AppContext, userId: string, channelId: string): Promise<void> {
  const access = await accessChannel(ctx, userId, channelId);
  assertCanType(access);
  ctx.notifyTyping(userId, access.channel.workspaceId, channelId);
}
