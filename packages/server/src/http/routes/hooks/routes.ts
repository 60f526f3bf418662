import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import type { Metrics } from '../../../observability/metrics.js';
import type { RateLimits } from '../../../rateLimit/limiters.js';
import { AppError } from '../../../errors.js';
import { principalOf } from '../../plugins/authentication.js';
import { enforceLimit } from '../../plugins/rateLimit.js';
import { createIncomingHook, deleteIncomingHook, hookBySecret, listIncomingHooks, postThroughHook, rotateIncomingHook } from '../../../actions/incomingHooks.js';
import { emptyBodyAsObject } from '../../emptyBody.js';
import { createOutgoingHook, deleteOutgoingHook, listDeliveries, listOutgoingHooks, redeliver } from '../../../actions/outgoingHooks.js';
import { hookSchemas as s } from './schemas.js';

const auth = { auth: 'required' as const };

export function registerHookRoutes(app: FastifyInstance, ctx: AppContext, limits: RateLimits, metrics: Metrics): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const me = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  r.post('/api/v1/channels/:channelId/incoming-hooks', { schema: s.createIncomingHook, config: auth }, async (request, reply) =>
    reply.code(201).send(await createIncomingHook(ctx, me(request), request.params.channelId, request.body)),
  );
  r.get('/api/v1/channels/:channelId/incoming-hooks', { schema: s.listIncomingHooks, config: auth }, async (request) => ({
    hooks: await listIncomingHooks(ctx, me(request), request.params.channelId),
  }));
  r.post(
    '/api/v1/channels/:channelId/incoming-hooks/:hookId/rotate',
    { schema: s.rotateIncomingHook, config: auth, preValidation: emptyBodyAsObject },
    async (request) => rotateIncomingHook(ctx, me(request), request.params.channelId, request.params.hookId),
  );
  r.delete('/api/v1/channels/:channelId/incoming-hooks/:hookId', { schema: s.deleteIncomingHook, config: auth }, async (request, reply) => {
    await deleteIncomingHook(ctx, me(request), request.params.channelId, request.params.hookId);
    return reply.code(204).send();
  });

  r.post('/api/v1/channels/:channelId/outgoing-hooks', { schema: s.createOutgoingHook, config: auth }, async (request, reply) =>
    reply.code(201).send(await createOutgoingHook(ctx, me(request), request.params.channelId, request.body)),
  );
  r.get('/api/v1/channels/:channelId/outgoing-hooks', { schema: s.listOutgoingHooks, config: auth }, async (request) => ({
    hooks: await listOutgoingHooks(ctx, me(request), request.params.channelId),
  }));
  r.delete('/api/v1/channels/:channelId/outgoing-hooks/:hookId', { schema: s.deleteOutgoingHook, config: auth }, async (request, reply) => {
    await deleteOutgoingHook(ctx, me(request), request.params.channelId, request.params.hookId);
    return reply.code(204).send();
  });
  r.get('/api/v1/channels/:channelId/outgoing-hooks/:hookId/deliveries', { schema: s.listDeliveries, config: auth }, async (request) => ({
    deliveries: await listDeliveries(ctx, me(request), request.params.channelId, request.params.hookId),
  }));
  r.post(
    '/api/v1/channels/:channelId/outgoing-hooks/:hookId/deliveries/:deliveryId/redeliver',
    { schema: s.redeliver, config: auth, preValidation: emptyBodyAsObject },
    async (request, reply) => {
      await redeliver(ctx, me(request), request.params.channelId, request.params.hookId, request.params.deliveryId);
      return reply.code(204).send();
    },
  );

  // Its own scope: the form encoding (`payload=<json>`) Slack and Mattermost senders use is parsed here only.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      const payload = new URLSearchParams(body as string).get('payload');
      if (payload === null) return done(new AppError('VALIDATION_FAILED', 'A form body needs the field payload=<json>', [{ field: 'payload', message: 'missing' }]), undefined);
      try {
        done(null, JSON.parse(payload));
      } catch {
        done(new AppError('VALIDATION_FAILED', 'The payload field is not JSON', [{ field: 'payload', message: 'not JSON' }]), undefined);
      }
    });
    scope.withTypeProvider<TypeBoxTypeProvider>().post('/hooks/:secret', { schema: s.postIncomingHook, config: { auth: 'none', csrf: false } }, async (request, reply) => {
      const hook = await hookBySecret(ctx, request.params.secret);
      request.auditAs = { workspaceId: hook.workspaceId, actorUserId: hook.botUserId, target: hook.id };
      await enforceLimit(limits, metrics, reply, 'webhook', hook.id);
      return reply.code(201).send(await postThroughHook(ctx, hook, request.body));
    });
  });
}
