import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { emptyBodyAsObject } from '../../emptyBody.js';
import { workspaceSchemas } from './schemas.js';
import { accessWorkspace } from '../../../policies/workspaceAccess.js';
import { changeRole, createWorkspace, removeWorkspaceMember, renameWorkspace } from '../../../actions/workspaceManager.js';
import { acceptInvite, createInvite, listInvites, revokeInvite } from '../../../actions/inviteManager.js';
import { createChannel, openConversation } from '../../../actions/channelCreator.js';
import { presentChannel, presentInvite, presentMember, presentMessages, presentWorkspace } from '../../../presenters/chat.js';
import { searchMessages } from '../../../actions/messageSearch.js';
import { workspacePresence } from '../../../actions/presence.js';
import { workspaceStats } from '../../../actions/workspaceStats.js';

const auth = { auth: 'required' as const };

export function registerWorkspaceRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const me = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  r.post('/api/v1/workspaces', { schema: workspaceSchemas.createWorkspace, config: auth }, async (request, reply) => {
    const workspace = await createWorkspace(ctx, me(request), request.body.name);
    return reply.code(201).send(presentWorkspace(workspace, 'owner'));
  });

  r.get('/api/v1/workspaces', { schema: workspaceSchemas.listWorkspaces, config: auth }, async (request) => {
    const list = await ctx.storage.workspaces.listForUser(me(request));
    return { workspaces: list.map((w) => presentWorkspace(w, w.role)) };
  });

  r.get('/api/v1/workspaces/:workspaceId', { schema: workspaceSchemas.getWorkspace, config: auth }, async (request) => {
    const { workspace, member } = await accessWorkspace(ctx, me(request), request.params.workspaceId);
    return presentWorkspace(workspace, member.role);
  });

  r.patch(
    '/api/v1/workspaces/:workspaceId',
    { schema: workspaceSchemas.renameWorkspace, config: auth },
    async (request) => {
      const workspace = await renameWorkspace(ctx, me(request), request.params.workspaceId, request.body.name);
      const { member } = await accessWorkspace(ctx, me(request), workspace.id);
      return presentWorkspace(workspace, member.role);
    },
  );

  r.get('/api/v1/workspaces/:workspaceId/members', { schema: workspaceSchemas.listWorkspaceMembers, config: auth }, async (request) => {
    await accessWorkspace(ctx, me(request), request.params.workspaceId);
    const members = await ctx.storage.workspaces.listMembers(request.params.workspaceId);
    return { members: members.map(presentMember) };
  });

  r.get(
    '/api/v1/workspaces/:workspaceId/stats',
    { schema: workspaceSchemas.getWorkspaceStats, config: auth },
    async (request) => workspaceStats(ctx, me(request), request.params.workspaceId),
  );

  r.get(
    '/api/v1/workspaces/:workspaceId/presence',
    { schema: workspaceSchemas.getWorkspacePresence, config: auth },
    async (request) => ({ presence: await workspacePresence(ctx, me(request), request.params.workspaceId) }),
  );

  r.patch(
    '/api/v1/workspaces/:workspaceId/members/:userId',
    { schema: workspaceSchemas.changeMemberRole, config: auth },
    async (request, reply) => {
      await changeRole(ctx, me(request), request.params.workspaceId, request.params.userId, request.body.role);
      return reply.code(204).send();
    },
  );

  r.delete('/api/v1/workspaces/:workspaceId/members/:userId', { schema: workspaceSchemas.removeWorkspaceMember, config: auth }, async (request, reply) => {
    await removeWorkspaceMember(ctx, me(request), request.params.workspaceId, request.params.userId);
    return reply.code(204).send();
  });

  r.post(
    '/api/v1/workspaces/:workspaceId/invites',
    { schema: workspaceSchemas.createInvite, config: auth, preValidation: emptyBodyAsObject },
    async (request, reply) => {
      const { invite, code } = await createInvite(ctx, me(request), request.params.workspaceId, request.body);
      return reply.code(201).send({ ...presentInvite(invite), code });
    },
  );

  r.get('/api/v1/workspaces/:workspaceId/invites', { schema: workspaceSchemas.listInvites, config: auth }, async (request) => {
    const invites = await listInvites(ctx, me(request), request.params.workspaceId);
    return { invites: invites.map(presentInvite) };
  });

  r.delete('/api/v1/workspaces/:workspaceId/invites/:inviteId', { schema: workspaceSchemas.revokeInvite, config: auth }, async (request, reply) => {
    await revokeInvite(ctx, me(request), request.params.workspaceId, request.params.inviteId);
    return reply.code(204).send();
  });

  r.post('/api/v1/invites/accept', { schema: workspaceSchemas.acceptInvite, config: auth }, async (request) => {
    const workspace = await acceptInvite(ctx, me(request), request.body.code);
    const { member } = await accessWorkspace(ctx, me(request), workspace.id);
    return presentWorkspace(workspace, member.role);
  });

  r.get('/api/v1/workspaces/:workspaceId/channels', { schema: workspaceSchemas.listChannels, config: auth }, async (request) => {
    await accessWorkspace(ctx, me(request), request.params.workspaceId);
    const channels = await ctx.storage.channels.listVisible(request.params.workspaceId, me(request));
    const withMembers = await Promise.all(
      channels.map(async (c) => presentChannel(c, c.isMember, c.kind === 'dm' || c.kind === 'group_dm' ? await ctx.storage.channels.memberIds(c.id) : undefined)),
    );
    return { channels: withMembers };
  });

  r.post(
    '/api/v1/workspaces/:workspaceId/channels',
    { schema: workspaceSchemas.createChannel, config: auth },
    async (request, reply) => {
      const channel = await createChannel(ctx, me(request), request.params.workspaceId, request.body);
      return reply.code(201).send(presentChannel(channel, true));
    },
  );

  r.post(
    '/api/v1/workspaces/:workspaceId/conversations',
    { schema: workspaceSchemas.openConversation, config: auth },
    async (request, reply) => {
      const { channel, memberIds, created } = await openConversation(ctx, me(request), request.params.workspaceId, request.body.userIds);
      return reply.code(created ? 201 : 200).send(presentChannel(channel, true, memberIds));
    },
  );

  r.get(
    '/api/v1/workspaces/:workspaceId/search',
    { schema: workspaceSchemas.searchMessages, config: auth },
    async (request) => {
      const { hits, nextCursor } = await searchMessages(ctx, me(request), request.params.workspaceId, request.query);
      const messages = await presentMessages(ctx.storage, hits.map((h) => h.message));
      return { hits: hits.map((h, i) => ({ message: messages[i]!, snippet: h.snippet, highlights: h.highlights, rank: h.rank })), nextCursor };
    },
  );
}
