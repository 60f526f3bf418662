import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../../../context.js';
import { principalOf } from '../../plugins/authentication.js';
import { listUnreads } from '../../../actions/readState.js';
import { listBlocked, setBlocked } from '../../../actions/blocks.js';
import { meSchemas } from './schemas.js';

const auth = { auth: 'required' as const };

/** The caller's own state across workspaces: unread counts and the private block list. */
export function registerMeRoutes(app: FastifyInstance, ctx: AppContext): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const me = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user.id;

  r.get('/api/v1/me/unreads', { schema: meSchemas.listUnreads, config: auth }, async (request) => ({
    unreads: await listUnreads(ctx, me(request)),
  }));

  r.get('/api/v1/me/blocks', { schema: meSchemas.listBlocks, config: auth }, async (request) => ({
    blockedUserIds: await listBlocked(ctx, me(request)),
  }));

  for (const [method, blocked] of [['put', true], ['delete', false]] as const) {
    r[method]('/api/v1/me/blocks/:userId', { schema: blocked ? meSchemas.blockUser : meSchemas.unblockUser, config: auth }, async (request, reply) => {
      await setBlocked(ctx, me(request), request.params.userId, blocked);
      return reply.code(204).send();
    });
  }
}
