import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { Config } from '../../config/env.js';

/** Header name → value, sent on every response. */
export type SecurityHeaders = Readonly<Record<string, string>>;

/**
 * The security headers of every response, computed once. They are a plain record rather than a
 * middleware so that the answers Node and the router give before any hook runs (a bad URL, 408,
 * 431, a request line that does not parse) carry exactly the same set as a route's (see edgeErrors.ts).
 */
export function securityHeaders(config: Config): SecurityHeaders {
  const publicUrl = new URL(config.publicUrl);
  const wsOrigin = `${publicUrl.protocol === 'https:' ? 'wss' : 'ws'}://${publicUrl.host}`;
  const csp = [
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    // Older Safari does not count ws(s) of the same host as 'self'; name it explicitly.
    `connect-src 'self' ${wsOrigin}`,
  ].join(';');
  return {
    'Content-Security-Policy': csp,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Origin-Agent-Cluster': '?1',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-DNS-Prefetch-Control': 'off',
    'X-Download-Options': 'noopen',
    'X-Frame-Options': 'DENY',
    'X-Permitted-Cross-Domain-Policies': 'none',
    // The legacy XSS auditor is itself exploitable; 0 turns it off where it still exists.
    'X-XSS-Protection': '0',
    // HSTS over plain http://localhost would pin developers' browsers to https.
    ...(config.production ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** Security headers on every response, and CORS closed unless origins are listed in CORS_ORIGINS. */
export async function registerSecurityHeaders(app: FastifyInstance, config: Config, headers: SecurityHeaders): Promise<void> {
  // First thing on every request, so that even an early refusal (auth, rate limit, 404) has them;
  // a route may still override one (file downloads send a stricter CSP).
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: true,
    allowedHeaders: ['Content-Type', 'Authorization', 'X-CSRF-Token', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
  });
}
