import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { verifyAccess, type Principal } from '../../actions/accessVerifier.js';
import { constantTimeEqual } from '../../auth/secrets.js';
import { AppError } from '../../errors.js';
import type { TokenScope } from '@relaydesk/protocol';
import { authenticateApiToken } from '../../actions/apiTokens.js';
import { looksLikeApiToken } from '../../auth/tokenFormat.js';
import { ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE } from '../authCookies.js';

export interface Credentials {
  via: 'bearer' | 'cookie' | 'none';
  accessToken: string | undefined;
  /** The user id from a well-signed access token (or a live API token); keys rate limits. */
  tokenUserId: string | undefined;
  /** An API token (`rdp_…`, `rdb_…`), already looked up: its principal, or why it was refused. */
  apiToken?: { principal: Principal } | { refused: AppError };
}

declare module 'fastify' {
  interface FastifyRequest {
    credentials: Credentials;
    principal: Principal | undefined;
  }
  interface FastifyContextConfig {
    /** 'required' routes get `request.principal` or answer 401. */
    auth?: 'required' | 'none';
    /**
     * The API-token scope the route needs: by default `read` for GET and HEAD, `write` otherwise;
     * `session` refuses API tokens altogether (managing tokens needs a signed-in person).
     */
    scope?: TokenScope | 'session';
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
    if (creds.via === 'bearer' && creds.accessToken && looksLikeApiToken(creds.accessToken)) {
      // Looked up here, before the rate limits, so a token's requests count against its user.
      try {
        const principal = await authenticateApiToken(ctx, creds.accessToken, request.ip);
        request.credentials = { ...creds, tokenUserId: principal.user.id, apiToken: { principal } };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        request.credentials = { ...creds, tokenUserId: undefined, apiToken: { refused: err } };
      }
      return;
    }
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
      const { accessToken: token, apiToken } = request.credentials;
      if (!token) throw new AppError('UNAUTHENTICATED', 'Log in first');
      if (apiToken && 'refused' in apiToken) throw apiToken.refused;
      request.principal = apiToken ? apiToken.principal : await verifyAccess(ctx, token);
      assertScope(request.principal, config.scope ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write'));
    }
  });
}

/** A signed-in session may do everything its user may; an API token only what its scopes say. */
function assertScope(principal: Principal, needed: TokenScope | 'session'): void {
  if (!principal.scopes) return;
  if (needed === 'session') throw new AppError('INSUFFICIENT_SCOPE', 'This needs a signed-in session, not an API token');
  if (!principal.scopes.includes(needed)) throw new AppError('INSUFFICIENT_SCOPE', `This token lacks the "${needed}" scope`);
}

/** For handlers of `auth: 'required'` routes, where the hook guarantees a principal. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Log in first');
  return request.principal;
}
