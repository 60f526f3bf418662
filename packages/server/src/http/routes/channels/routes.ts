import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { emptyBodyAsObject } from '../../emptyBody.js';
import { channelSchemas } from './schemas.js';
import { accessChannel } from '../../../policies/channelAccess.js';
import { setArchived, updateChannel } from '../../../actions/channelUpdater.js';
import { addChannelMember, joinChannel, removeChannelMember } from '../../../actions/channelMembership.js';
import { sendMessage } from '../../../actions/messageSender.js';
import { readEventsJson, readHistory } from '../../../actions/history.js';
import { listPins } from '../../../actions/pins.js';
import { markRead } from '../../../actions/readState.js';
import { startTyping } from '../../../actions/typing.js';
import { presentChannel, presentMessages } from '../../../presenters/chat.js';

const auth = { auth: 'required' as const };
const member = (m: { userId: string; username: string; displayName: string; joinedAt: number }) => ({
  userId: m.userId,
  username: m.username,
  displayName: m.displayName,
  joinedAt: new Date(m.joinedAt).toISOString(),
});

export function registerChannelRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const me = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;
  const view = async (userId: string, channelId: string) => {
    const { channel, channelMember } = await accessChannel(ctx, userId, channelId);
    const conversation = channel.kind === 'dm' || channel.kind === 'group_dm';
    return presentChannel(channel, channelMember !== undefined, conversation ? await ctx.storage.channels.memberIds(channel.id) : undefined);
  };

  r.get('/api/v1/channels/:channelId', { schema: channelSchemas.getChannel, config: auth }, async (request) =>
    view(me(request), request.params.channelId),
  );

  r.patch(
    '/api/v1/channels/:channelId',
    { schema: channelSchemas.updateChannel, config: auth },
    async (request) => {
      await updateChannel(ctx, me(request), request.params.channelId, request.body);
      return view(me(request), request.params.channelId);
    },
  );

  for (const [action, archived] of [['archive', true], ['unarchive', false]] as const) {
    r.post(`/api/v1/channels/:channelId/${action}`, { schema: archived ? channelSchemas.archiveChannel : channelSchemas.unarchiveChannel, config: auth }, async (request) => {
      await setArchived(ctx, me(request), request.params.channelId, archived);
      return view(me(request), request.params.channelId);
    });
  }

  r.post('/api/v1/channels/:channelId/join', { schema: channelSchemas.joinChannel, config: auth }, async (request) => {
    await joinChannel(ctx, me(request), request.params.channelId);
    return view(me(request), request.params.channelId);
  });

  r.post('/api/v1/channels/:channelId/leave', { schema: channelSchemas.leaveChannel, config: auth }, async (request, reply) => {
    await removeChannelMember(ctx, me(request), request.params.channelId, me(request));
    return reply.code(204).send();
  });

  r.get('/api/v1/channels/:channelId/members', { schema: channelSchemas.listChannelMembers, config: auth }, async (request) => {
    await accessChannel(ctx, me(request), request.params.channelId);
    const members = await ctx.storage.channels.listMembers(request.params.channelId);
    return { members: members.map(member) };
  });

  r.post('/api/v1/channels/:channelId/members', { schema: channelSchemas.addChannelMember, config: auth }, async (request, reply) => {
    await addChannelMember(ctx, me(request), request.params.channelId, request.body.userId);
    return reply.code(204).send();
  });

  r.delete('/api/v1/channels/:channelId/members/:userId', { schema: channelSchemas.removeChannelMember, config: auth }, async (request, reply) => {
    await removeChannelMember(ctx, me(request), request.params.channelId, request.params.userId);
    return reply.code(204).send();
  });

  r.post(
    '/api/v1/channels/:channelId/messages',
    { schema: channelSchemas.sendMessage, config: auth },
    async (request, reply) => {
      const { view, created } = await sendMessage(ctx, me(request), request.params.channelId, request.body);
      return reply.code(created ? 201 : 200).send(view);
    },
  );

  r.get(
    '/api/v1/channels/:channelId/messages',
    { schema: channelSchemas.listMessages, config: auth },
    async (request) => {
      const page = await readHistory(ctx, me(request), request.params.channelId, request.query);
      return { messages: await presentMessages(ctx.storage, page.messages), hasMoreBefore: page.hasMoreBefore, hasMoreAfter: page.hasMoreAfter };
    },
  );

  r.get(
    '/api/v1/channels/:channelId/events',
    { schema: channelSchemas.listChannelEvents, config: auth },
    async (request, reply) => {
      const json = await readEventsJson(ctx, me(request), request.params.channelId, request.query.after, request.query.limit);
      // Already JSON (UTF-8 bytes): a Buffer skips the schema serializer (the schema still documents it).
      return reply.type('application/json; charset=utf-8').send(json as never);
    },
  );

  r.get(
    '/api/v1/channels/:channelId/pins',
    { schema: channelSchemas.listPins, config: auth },
    async (request) => ({ messages: await presentMessages(ctx.storage, await listPins(ctx, me(request), request.params.channelId)) }),
  );

  r.post('/api/v1/channels/:channelId/typing', { schema: channelSchemas.startTyping, config: auth }, async (request, reply) => {
    await startTyping(ctx, me(request), request.params.channelId);
    return reply.code(204).send();
  });

  r.post(
    '/api/v1/channels/:channelId/read',
    { schema: channelSchemas.markRead, config: auth, preValidation: emptyBodyAsObject },
    async (request) => ({
      channelId: request.params.channelId,
      lastReadSeq: await markRead(ctx, me(request), request.params.channelId, request.body.seq),
    }),
  );
}
