import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { createToken, listTokens, revokeToken } from '../../../actions/apiTokens.js';
import { createBot, createBotToken, listBotTokens, listBots, revokeBotToken } from '../../../actions/bots.js';
import { tokenSchemas as s } from './schemas.js';

/** Minting and listing tokens needs a person signed in; a token cannot make more tokens. */
const mine = { auth: 'required' as const, scope: 'session' as const };
const admin = { auth: 'required' as const, scope: 'admin' as const };

export function registerTokenRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const me = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  r.post('/api/v1/me/tokens', { schema: s.createToken, config: mine }, async (request, reply) =>
    reply.code(201).send(await createToken(ctx, me(request), me(request), 'personal', request.body, request.ip)),
  );
  r.get('/api/v1/me/tokens', { schema: s.listTokens, config: mine }, async (request) => ({ tokens: await listTokens(ctx, me(request)) }));
  // A token may revoke itself (a leaked token's holder can at least kill it); any scope will do.
  r.delete('/api/v1/me/tokens/:tokenId', { schema: s.revokeToken, config: { auth: 'required', scope: 'read' } }, async (request, reply) => {
    await revokeToken(ctx, me(request), request.params.tokenId);
    return reply.code(204).send();
  });

  r.post('/api/v1/workspaces/:workspaceId/bots', { schema: s.createBot, config: admin }, async (request, reply) =>
    reply.code(201).send(await createBot(ctx, me(request), request.params.workspaceId, request.body)),
  );
  r.get('/api/v1/workspaces/:workspaceId/bots', { schema: s.listBots, config: admin }, async (request) => ({
    bots: await listBots(ctx, me(request), request.params.workspaceId),
  }));
  r.post('/api/v1/workspaces/:workspaceId/bots/:botId/tokens', { schema: s.createBotToken, config: mine }, async (request, reply) =>
    reply.code(201).send(await createBotToken(ctx, me(request), request.params.workspaceId, request.params.botId, request.body, request.ip)),
  );
  r.get('/api/v1/workspaces/:workspaceId/bots/:botId/tokens', { schema: s.listBotTokens, config: mine }, async (request) => ({
    tokens: await listBotTokens(ctx, me(request), request.params.workspaceId, request.params.botId),
  }));
  r.delete('/api/v1/workspaces/:workspaceId/bots/:botId/tokens/:tokenId', { schema: s.revokeBotToken, config: admin }, async (request, reply) => {
    await revokeBotToken(ctx, me(request), request.params.workspaceId, request.params.botId, request.params.tokenId);
    return reply.code(204).send();
  });
}
