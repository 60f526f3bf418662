import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { recordAudit } from '../../actions/auditLog.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a handler whose action has no signed-in actor or no workspace in its path (an incoming webhook's post). */
    auditAs?: { workspaceId: string; actorUserId: string; target: string };
  }
}

/**
 * Administrative operations, by operation id, with the audit action each records. Every other
 * change made with an API token is recorded too, as `token.<operationId>`: integrations are
 * audited whatever they do.
 */
const AUDITED: Record<string, { action: string; target?: string }> = {
  renameWorkspace: { action: 'workspace.renamed' },
  changeMemberRole: { action: 'member.role_changed', target: 'userId' },
  removeWorkspaceMember: { action: 'member.removed', target: 'userId' },
  createInvite: { action: 'invite.created' },
  revokeInvite: { action: 'invite.revoked', target: 'inviteId' },
  archiveChannel: { action: 'channel.archived', target: 'channelId' },
  unarchiveChannel: { action: 'channel.unarchived', target: 'channelId' },
  removeChannelMember: { action: 'channel.member_removed', target: 'userId' },
  createBot: { action: 'bot.created' },
  createBotToken: { action: 'bot.token_created', target: 'botId' },
  revokeBotToken: { action: 'bot.token_revoked', target: 'tokenId' },
  createIncomingHook: { action: 'incoming_hook.created', target: 'channelId' },
  rotateIncomingHook: { action: 'incoming_hook.rotated', target: 'hookId' },
  deleteIncomingHook: { action: 'incoming_hook.deleted', target: 'hookId' },
  postIncomingHook: { action: 'incoming_hook.posted' },
  createOutgoingHook: { action: 'outgoing_hook.created', target: 'channelId' },
  deleteOutgoingHook: { action: 'outgoing_hook.deleted', target: 'hookId' },
  redeliver: { action: 'outgoing_hook.redelivered', target: 'deliveryId' },
  publishAppEvent: { action: 'app_event.published' },
  issuePasswordLink: { action: 'member.password_link_issued', target: 'userId' },
  // SCIM (scim/routes.ts): the handler names workspace and target through `auditAs`.
  scimCreateUser: { action: 'scim.user_created' },
  scimReplaceUser: { action: 'scim.user_replaced' },
  scimPatchUser: { action: 'scim.user_patched' },
  scimDeleteUser: { action: 'scim.user_deleted' },
  scimCreateGroup: { action: 'scim.group_created' },
  scimReplaceGroup: { action: 'scim.group_replaced' },
  scimPatchGroup: { action: 'scim.group_patched' },
  scimDeleteGroup: { action: 'scim.group_deleted' },
};

/**
 * Writes the audit log for a successful change before its answer goes out: who (user, and token
 * if any), what, when, from which address. A failed write is logged, not turned into an error:
 * the change itself has committed already (a crash in between loses that entry, not the change).
 */
export function registerAuditLog(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 300) await audit(ctx, request);
    return payload;
  });
}

async function audit(ctx: AppContext, request: FastifyRequest): Promise<void> {
  const operationId = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId;
  if (!operationId) return;
  const listed = AUDITED[operationId];
  const principal = request.principal;
  const viaToken = principal?.tokenId !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
  if (!listed && !viaToken) return;
  try {
    const params = (request.params ?? {}) as Record<string, string>;
    const workspaceId = request.auditAs?.workspaceId ?? (await workspaceOf(ctx, params));
    if (!workspaceId) return;
    await recordAudit(ctx, {
      workspaceId,
      action: listed?.action ?? `token.${operationId}`,
      actorUserId: request.auditAs?.actorUserId ?? principal?.user.id ?? null,
      tokenId: principal?.tokenId ?? null,
      target: request.auditAs?.target ?? (listed?.target ? params[listed.target] : undefined) ?? null,
      ip: request.ip,
    });
  } catch (err) {
    request.log.error({ err, operationId }, 'writing the audit log failed');
  }
}

async function workspaceOf(ctx: AppContext, params: Record<string, string>): Promise<string | undefined> {
  if (params.workspaceId) return params.workspaceId;
  if (params.channelId) return (await ctx.storage.channels.findById(params.channelId))?.workspaceId;
  if (params.messageId) {
    const message = await ctx.storage.messages.findById(params.messageId);
    return message && (await ctx.storage.channels.findById(message.channelId))?.workspaceId;
  }
  return undefined;
}
