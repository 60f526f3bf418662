import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import type { Metrics } from '../../../observability/metrics.js';
import { sendError } from '../../plugins/errors.js';
import { StorageFullError } from '../../../storage/errors.js';
import { opsSchemas } from './schemas.js';

/** Liveness, readiness and metrics: unauthenticated, never rate limited, cheap. */
export function registerOpsRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): void {
  app.get('/health', { schema: opsSchemas.getHealth }, async () => ({ status: 'ok' }));

  /**
   * Ready when every dependency answers: the database runs a query (and, for SQLite, writes to
   * its disk, so that a full disk shows: reads still work there). A 503 names what fails and why,
   * without internals; the log has the cause.
   */
  app.get('/ready', { schema: opsSchemas.getReadiness }, async (request, reply) => {
    // Draining (SIGTERM): out of the balancer's rotation first, while in-flight work finishes.
    if (ctx.lifecycle.draining) {
      reply.header('retry-after', '5');
      return sendError(request, reply, 503, 'NOT_READY', 'Not ready: this node is shutting down', [{ field: 'node', message: 'draining' }]);
    }
    const checks: Record<string, () => Promise<unknown>> = { database: () => ctx.storage.ping() };
    if (ctx.redis) checks.redis = () => ctx.redis!.ping();
    const failing: { field: string; message: string }[] = [];
    for (const [name, check] of Object.entries(checks)) {
      try {
        await withTimeout(check(), 2000);
      } catch (err) {
        request.log.warn({ err: err instanceof Error && err.cause ? err.cause : err, check: name }, 'readiness check failed');
        failing.push({ field: name, message: err instanceof StorageFullError ? 'full' : 'unreachable' });
      }
    }
    if (failing.length > 0) {
      reply.header('retry-after', '5');
      return sendError(request, reply, 503, 'NOT_READY', `Not ready: ${failing.map((f) => `${f.field} ${f.message}`).join(', ')}`, failing);
    }
    return { status: 'ready', checks: Object.fromEntries(Object.keys(checks).map((k) => [k, 'ok'])) };
  });

  app.get('/metrics', { schema: opsSchemas.getMetrics }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** A probe must answer quickly even when a dependency hangs rather than fails. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
