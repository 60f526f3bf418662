import type { ServerOptions } from 'node:http';

/**
 * Idle keep-alive connections (no request in progress) are closed after this long. It is above
 * the idle timeouts of common load balancers (AWS ALB and nginx: 60 s), so that the balancer, not
 * this server, closes a reused upstream connection and never sends a request into one this side
 * is closing. It is not a request timeout: a request, once its first byte arrives, has
 * `requestTimeoutMs` in all.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/**
 * What Node's HTTP server enforces before Fastify sees a request. The request timeout
 * (`Limits.requestTimeoutMs`, 30 s) bounds both the headers (slowloris) and the whole request with
 * its body (a trickling upload): Node answers 408 through `clientError` (see edgeErrors.ts) and
 * closes the connection. Node checks for expired requests only every `connectionsCheckingInterval`
 * (30 s by default, which let a slow request live up to twice the limit); a tenth of the timeout,
 * capped at 1 s, cuts it within 3% of the limit at the price of one walk over the connections that
 * are mid-request (idle and upgraded ones are not on that list) per second.
 */
export function httpServerOptions(requestTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestTimeoutMs / 10))),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node would answer a request without Host with an empty 400 of its own; edgeErrors.ts refuses it in the error format.
    requireHostHeader: false,
  };
}
