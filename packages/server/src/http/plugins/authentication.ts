import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { verifyAccess, type Principal } from '../../actions/accessVerifier.js';
import { constantTimeEqual } from '../../auth/secrets.js';
import { AppError } from '../../errors.js';
import { ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE } from '../authCookies.js';

export interface Credentials {
  via: 'bearer' | 'cookie' | 'none';
  accessToken: string | undefined;
  /** The user id from a well-signed access token, before the session is checked; keys rate limits. */
  tokenUserId: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    credentials: Credentials;
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** 'required' routes get `request.principal` or answer 401. */
    auth?: 'required' | 'none';
    /** false exempts a route from the CSRF token (login, register): it is not authenticated by a cookie. */
    csrf?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function readCredentials(request: FastifyRequest): Pick<Credentials, 'via' | 'accessToken'> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match) throw new AppError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
    return { via: 'bearer', accessToken: match[1] };
  }
  const cookie = request.cookies[ACCESS_COOKIE];
  const cookieAuthenticated = cookie !== undefined || request.cookies[REFRESH_COOKIE] !== undefined;
  return { via: cookieAuthenticated ? 'cookie' : 'none', accessToken: cookie };
}

/** Exact-match Origin check; a missing or "null" Origin is refused on cookie-authenticated writes. */
export function assertAllowedOrigin(allowed: string[], origin: string | undefined): void {
  if (!origin || origin === 'null' || !allowed.includes(origin)) {
    throw new AppError('ORIGIN_FORBIDDEN', 'This request must come from an allowed origin');
  }
}

function assertCsrf(request: FastifyRequest, allowedOrigins: string[]): void {
  assertAllowedOrigin(allowedOrigins, request.headers.origin);
  const cookie = request.cookies[CSRF_COOKIE];
  const header = request.headers['x-csrf-token'];
  if (!cookie || typeof header !== 'string' || !constantTimeEqual(cookie, header)) {
    throw new AppError('CSRF_FAILED', 'Missing or wrong CSRF token (send the csrf cookie in X-CSRF-Token)');
  }
}

/**
 * Authentication in three steps: read credentials and check the token's signature on every
 * request (cheap, keys the rate limits); demand CSRF proof from cookie-authenticated writes;
 * load the principal (a database read) only for routes that require it.
 */
export function registerAuthentication(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('credentials', undefined as unknown as Credentials);
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (request) => {
    request.credentials = { via: 'none', accessToken: undefined, tokenUserId: undefined };
    const creds = readCredentials(request);
    let tokenUserId: string | undefined;
    if (creds.accessToken) {
      const verified = await ctx.accessTokens.verify(creds.accessToken);
      if (verified.ok) tokenUserId = verified.claims.userId;
    }
    request.credentials = { ...creds, tokenUserId };
  });

  app.addHook('preValidation', async (request) => {
    const config = request.routeOptions.config;
    if (UNSAFE.has(request.method) && request.credentials.via === 'cookie' && config.csrf !== false) {
      assertCsrf(request, ctx.config.allowedOrigins);
    }
    if (config.auth === 'required') {
      const token = request.credentials.accessToken;
      if (!token) throw new AppError('UNAUTHENTICATED', 'Log in first');
      request.principal = await verifyAccess(ctx, token);
    }
  });
}

/** For handlers of `auth: 'required'` routes, where the hook guarantees a principal. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Log in first');
  return request.principal;
}
