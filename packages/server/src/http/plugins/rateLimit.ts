import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LimitDecision, LimitName, RateLimits } from '../../rateLimit/limiters.js';
import type { Metrics } from '../../observability/metrics.js';
import { AppError } from '../../errors.js';

/** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) and Retry-After on refusal. */
function writeHeaders(reply: FastifyReply, d: LimitDecision): void {
  reply.header('RateLimit-Limit', d.limit);
  reply.header('RateLimit-Remaining', d.remaining);
  reply.header('RateLimit-Reset', Math.ceil(d.resetMs / 1000));
}

/** Consumes one point; throws RATE_LIMITED (429, Retry-After) when the key is over its limit. */
export async function enforceLimit(limits: RateLimits, metrics: Metrics, reply: FastifyReply, name: LimitName, key: string): Promise<void> {
  const decision = await limits.consume(name, key);
  writeHeaders(reply, decision);
  if (!decision.allowed) {
    metrics.rateLimited.inc({ limit: name });
    reply.header('Retry-After', Math.max(1, Math.ceil(decision.resetMs / 1000)));
    throw new AppError('RATE_LIMITED', 'Too many requests; slow down and retry later');
  }
}

/** The API limits: per user when a valid token is presented, per IP otherwise. Probes are never limited. */
export function registerApiRateLimit(app: FastifyInstance, limits: RateLimits, metrics: Metrics): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return;
    const userId = request.credentials.tokenUserId;
    await (userId
      ? enforceLimit(limits, metrics, reply, 'api_user', userId)
      : enforceLimit(limits, metrics, reply, 'anon_ip', request.ip));
  });
}
