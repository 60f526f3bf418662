import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppEvent, AppEventInput, AppEventPage, AppEventQuery, WorkspaceParams } from '@relaydesk/protocol';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { listAppEvents, publishAppEvent } from '../../../actions/appEvents.js';
import { operations } from '../../openapiResponses.js';

const tags = ['app-events'];
const schemas = operations({
  publishAppEvent: {
    tags,
    summary: 'Publish an app event',
    description:
      'A host application pushes `{ topic, type, data }` onto a topic of the workspace (workspace admins and its bots; tokens need the `events` scope). ' +
      'The `Idempotency-Key` header is required: a retry with the same key and body answers the first result (with `Idempotent-Replayed: true`) and stores nothing; ' +
      'the same key with another body is 422 IDEMPOTENCY_KEY_REUSED. Each topic numbers its events 1, 2, 3 … with no gap; subscribers get them live over /ws.',
    params: WorkspaceParams,
    headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
    body: AppEventInput,
    response: { 201: AppEvent },
    errorStatuses: [422],
  },
  listAppEvents: {
    tags,
    summary: "A topic's app events",
    description: 'Members of the workspace; events after `after` (default 0) in seq order, and the topic\u2019s last seq.',
    params: WorkspaceParams,
    querystring: AppEventQuery,
    response: { 200: AppEventPage },
  },
});

export function registerAppEventRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post('/api/v1/workspaces/:workspaceId/app-events', { schema: schemas.publishAppEvent, config: { auth: 'required', scope: 'events' } }, async (request, reply) => {
    const { event, replayed } = await publishAppEvent(ctx, principalOf(request).user.id, request.params.workspaceId, request.body, request.headers['idempotency-key']);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return reply.code(201).send(event);
  });
  r.get('/api/v1/workspaces/:workspaceId/app-events', { schema: schemas.listAppEvents, config: { auth: 'required' } }, async (request) =>
    listAppEvents(ctx, principalOf(request).user.id, request.params.workspaceId, request.query.topic, request.query.after ?? 0, request.query.limit ?? 100),
  );
}
