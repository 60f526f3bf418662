import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per server instance, so several servers in one test process don't collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'relaydesk_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'relaydesk_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      // Sub-millisecond to the 30 s request timeout.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    authEvents: new Counter({
      name: 'relaydesk_auth_events_total',
      help: 'Authentication outcomes (login_ok, login_failed, register, refresh, refresh_reuse, logout)',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'relaydesk_rate_limited_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['limit'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
