import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import type { Metrics } from '../../../observability/metrics.js';
import { sendError } from '../../plugins/errors.js';

/** Liveness, readiness and metrics: unauthenticated, never rate limited, cheap. */
export function registerOpsRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): void {
  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/ready', async (request, reply) => {
    try {
      await ctx.storage.ping();
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed: database');
      return sendError(request, reply, 503, 'NOT_READY', 'Not ready: the database does not answer', [
        { field: 'database', message: 'unreachable' },
      ]);
    }
    return { status: 'ready', checks: { database: 'ok' } };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
