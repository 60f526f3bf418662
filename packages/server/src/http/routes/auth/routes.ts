import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { LoginRequest } from '@relaydesk/protocol';
import type { AppContext } from '../../../context.js';
import type { Metrics } from '../../../observability/metrics.js';
import type { RateLimits } from '../../../rateLimit/limiters.js';
import { registerUser } from '../../../actions/userRegistrar.js';
import { checkCredentials } from '../../../actions/credentialChecker.js';
import { startSession, type IssuedTokens } from '../../../actions/sessionStarter.js';
import { refreshSession } from '../../../actions/sessionRefresher.js';
import { endSession, endSessionByRefreshToken, listSessions, revokeSession } from '../../../actions/sessionRevoker.js';
import { changePassword } from '../../../actions/passwordChanger.js';
import { issueWsTicket } from '../../../actions/wsTickets.js';
import { presentSession, presentUser } from '../../../presenters/user.js';
import type { UserRecord } from '../../../storage/port.js';
import { AppError } from '../../../errors.js';
import { assertAllowedOrigin, principalOf } from '../../plugins/authentication.js';
import { enforceLimit } from '../../plugins/rateLimit.js';
import { emptyBodyAsObject } from '../../emptyBody.js';
import { REFRESH_COOKIE, clearSessionCookies, setSessionCookies } from '../../authCookies.js';
import { authSchemas } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const clientInfo = (request: FastifyRequest) => ({ userAgent: request.headers['user-agent'] ?? null, ip: request.ip });

export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext, limits: RateLimits, metrics: Metrics): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = ctx;

  /** Login CSRF defence: a browser always sends Origin on POST, so a foreign one is refused. */
  const refuseForeignOrigin = (request: FastifyRequest) => {
    if (request.headers.origin !== undefined) assertAllowedOrigin(config.allowedOrigins, request.headers.origin);
  };

  const signIn = (reply: FastifyReply, user: UserRecord, tokens: IssuedTokens) => {
    setSessionCookies(reply, config, tokens, ctx.clock.now());
    return { user: presentUser(user) };
  };

  const tokenBody = (user: UserRecord, t: IssuedTokens) => ({
    user: presentUser(user),
    accessToken: t.accessToken,
    accessTokenExpiresAt: iso(t.accessTokenExpiresAt),
    refreshToken: t.refreshToken,
    refreshTokenExpiresAt: iso(t.refreshTokenExpiresAt),
  });

  const accountThrottle = (reply: FastifyReply) => (key: string) => enforceLimit(limits, metrics, reply, 'login_account', key);

  const login = async (request: FastifyRequest, reply: FastifyReply, body: LoginRequest) => {
    refuseForeignOrigin(request);
    await enforceLimit(limits, metrics, reply, 'login_ip', request.ip);
    try {
      const user = await checkCredentials(ctx, body.username, body.password, accountThrottle(reply));
      metrics.authEvents.inc({ event: 'login_ok' });
      return { user, tokens: await startSession(ctx, user.id, clientInfo(request)) };
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'RATE_LIMITED')) metrics.authEvents.inc({ event: 'login_failed' });
      throw err;
    }
  };

  r.post(
    '/api/v1/auth/register',
    { schema: authSchemas.register, config: { csrf: false } },
    async (request, reply) => {
      refuseForeignOrigin(request);
      const user = await registerUser(ctx, request.body);
      metrics.authEvents.inc({ event: 'register' });
      const tokens = await startSession(ctx, user.id, clientInfo(request));
      return reply.code(201).send(signIn(reply, user, tokens));
    },
  );

  r.post(
    '/api/v1/auth/login',
    { schema: authSchemas.login, config: { csrf: false } },
    async (request, reply) => {
      const { user, tokens } = await login(request, reply, request.body);
      return signIn(reply, user, tokens);
    },
  );

  r.post(
    '/api/v1/auth/token',
    { schema: authSchemas.issueTokens, config: { csrf: false } },
    async (request, reply) => {
      const { user, tokens } = await login(request, reply, request.body);
      return tokenBody(user, tokens);
    },
  );

  r.post(
    '/api/v1/auth/refresh',
    {
      schema: authSchemas.refreshSession,
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const token = fromBody ?? request.cookies[REFRESH_COOKIE];
      if (!token) throw new AppError('UNAUTHENTICATED', 'No refresh token');
      try {
        const { user, ...tokens } = await refreshSession(ctx, token);
        metrics.authEvents.inc({ event: 'refresh' });
        return fromBody ? tokenBody(user, tokens) : signIn(reply, user, tokens);
      } catch (err) {
        if (err instanceof AppError && err.code === 'REFRESH_TOKEN_REUSED') metrics.authEvents.inc({ event: 'refresh_reuse' });
        if (!fromBody) clearSessionCookies(reply, config);
        throw err;
      }
    },
  );

  r.post('/api/v1/auth/logout', { schema: authSchemas.logout, preValidation: emptyBodyAsObject }, async (request, reply) => {
    const token = request.credentials.accessToken;
    if (token) {
      const verified = await ctx.accessTokens.verify(token);
      if (verified.ok) await endSession(ctx, verified.claims.userId, verified.claims.sessionId);
    }
    // An expired access token must not keep the session alive: end it through the refresh token
    // too (the cookie's, or the body's for an API client holding its tokens itself).
    const refresh = request.body?.refreshToken ?? request.cookies[REFRESH_COOKIE];
    if (refresh) await endSessionByRefreshToken(ctx, refresh);
    metrics.authEvents.inc({ event: 'logout' });
    clearSessionCookies(reply, config);
    return reply.code(204).send();
  });

  r.get('/api/v1/auth/me', { schema: authSchemas.getCurrentUser, config: { auth: 'required' } }, async (request) => ({
    user: presentUser(principalOf(request).user),
  }));

  r.get('/api/v1/auth/sessions', { schema: authSchemas.listSessions, config: { auth: 'required' } }, async (request) => {
    const who = principalOf(request);
    const sessions = await listSessions(ctx, who.user.id);
    return { sessions: sessions.map((s) => presentSession(s, who.sessionId)) };
  });

  r.delete('/api/v1/auth/sessions/:id', { schema: authSchemas.revokeSession, config: { auth: 'required' } }, async (request, reply) => {
    await revokeSession(ctx, principalOf(request).user.id, request.params.id);
    return reply.code(204).send();
  });

  r.post('/api/v1/auth/password', { schema: authSchemas.changePassword, config: { auth: 'required' } }, async (request, reply) => {
    const { currentPassword, newPassword } = request.body;
    await changePassword(ctx, principalOf(request), currentPassword, newPassword, accountThrottle(reply));
    return reply.code(204).send();
  });

  r.post('/api/v1/auth/ws-ticket', { schema: authSchemas.issueWsTicket, config: { auth: 'required', scope: 'read' } }, async (request) => {
    const { ticket, expiresAt } = await issueWsTicket(ctx, principalOf(request));
    return { ticket, expiresAt: iso(expiresAt) };
  });
}
