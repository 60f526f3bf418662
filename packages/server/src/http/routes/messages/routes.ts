import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { accessMessage } from '../../../policies/channelAccess.js';
import { deleteMessage, editMessage } from '../../../actions/messageEditor.js';
import { readEdits, readReplies } from '../../../actions/history.js';
import { setReaction } from '../../../actions/reactions.js';
import { setPinned } from '../../../actions/pins.js';
import { readReceipts } from '../../../actions/readState.js';
import { presentMessage, presentMessages } from '../../../presenters/chat.js';
import { messageSchemas } from './schemas.js';

const auth = { auth: 'required' as const };

export function registerMessageRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const me = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  r.get('/api/v1/messages/:messageId', { schema: messageSchemas.getMessage, config: auth }, async (request) => {
    const { message } = await accessMessage(ctx, me(request), request.params.messageId);
    return presentMessage(ctx.storage, message);
  });

  r.patch(
    '/api/v1/messages/:messageId',
    { schema: messageSchemas.editMessage, config: auth },
    async (request) => presentMessage(ctx.storage, await editMessage(ctx, me(request), request.params.messageId, request.body.body)),
  );

  r.delete('/api/v1/messages/:messageId', { schema: messageSchemas.deleteMessage, config: auth }, async (request, reply) => {
    await deleteMessage(ctx, me(request), request.params.messageId);
    return reply.code(204).send();
  });

  r.get('/api/v1/messages/:messageId/edits', { schema: messageSchemas.listMessageEdits, config: auth }, async (request) => {
    const edits = await readEdits(ctx, me(request), request.params.messageId);
    return { edits: edits.map((e) => ({ body: e.body, editedAt: new Date(e.editedAt).toISOString() })) };
  });

  r.get(
    '/api/v1/messages/:messageId/replies',
    {
      schema: messageSchemas.listReplies,
      config: auth,
    },
    async (request) => {
      const { root, replies, hasMore } = await readReplies(ctx, me(request), request.params.messageId, request.query.after, request.query.limit);
      return { root: await presentMessage(ctx.storage, root), replies: await presentMessages(ctx.storage, replies), hasMore };
    },
  );

  for (const [method, present] of [['put', true], ['delete', false]] as const) {
    r[method]('/api/v1/messages/:messageId/reactions/:emoji', { schema: present ? messageSchemas.addReaction : messageSchemas.removeReaction, config: auth }, async (request, reply) => {
      await setReaction(ctx, me(request), request.params.messageId, request.params.emoji, present);
      return reply.code(204).send();
    });
    r[method]('/api/v1/messages/:messageId/pin', { schema: present ? messageSchemas.pinMessage : messageSchemas.unpinMessage, config: auth }, async (request, reply) => {
      await setPinned(ctx, me(request), request.params.messageId, present);
      return reply.code(204).send();
    });
  }

  r.get('/api/v1/messages/:messageId/receipts', { schema: messageSchemas.listReceipts, config: auth }, async (request) => {
    const readers = await readReceipts(ctx, me(request), request.params.messageId);
    return { readBy: readers.map((m) => ({ userId: m.userId, username: m.username, displayName: m.displayName })) };
  });
}
