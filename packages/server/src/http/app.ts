import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import { Limits } from '@relaydesk/protocol';
import type { AppContext, RealtimeHooks } from '../context.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { loggerOptions } from '../observability/logger.js';
import { RateLimits } from '../rateLimit/limiters.js';
import { registerErrorHandling } from './plugins/errors.js';
import { validatorCompiler } from './validation.js';
import { registerStrictText } from './jsonBody.js';
import { registerSecurityHeaders, securityHeaders } from './plugins/security.js';
import { ANY_METHOD, clientErrorHandler, frameworkErrorHandler, refuseOnSocket, registerEdgeGuards } from './plugins/edgeErrors.js';
import { upgradeRefusal } from './upgradeRefusals.js';
import { registerCompression } from './plugins/compression.js';
import { httpServerOptions } from './serverOptions.js';
import { registerAuthentication } from './plugins/authentication.js';
import { registerApiRateLimit } from './plugins/rateLimit.js';
import { registerAuthRoutes } from './routes/auth/routes.js';
import { registerOpsRoutes } from './routes/ops/routes.js';
import { registerWorkspaceRoutes } from './routes/workspaces/routes.js';
import { registerChannelRoutes } from './routes/channels/routes.js';
import { registerMessageRoutes } from './routes/messages/routes.js';
import { registerMeRoutes } from './routes/me/routes.js';
import { registerTokenRoutes } from './routes/tokens/routes.js';
import { registerHookRoutes } from './routes/hooks/routes.js';
import { registerAuditRoutes } from './routes/audit/routes.js';
import { registerAppEventRoutes } from './routes/appEvents/routes.js';
import { registerPasswordLinkRoutes } from './routes/passwordLinks/routes.js';
import { registerScimRoutes } from '../scim/routes.js';
import { registerAuditLog } from './plugins/audit.js';
import { registerOpenApi } from './openapi.js';
import { registerWebApp } from './webApp.js';
import { registerFileRoutes } from './routes/files/routes.js';
import { Gateway } from '../realtime/gateway.js';
import { createGatewayMetrics } from '../realtime/metrics.js';
import { Publisher } from '../realtime/publisher.js';
import { realtimeBackend } from '../realtime/backend.js';
import { catchUpSessions } from '../realtime/catchUp.js';
import { registerRealtimeRoutes } from './routes/realtime/routes.js';

/** An incoming X-Request-Id is kept only if it is short and plain, so it cannot forge log lines. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
  metrics: Metrics;
}

/** Settings for tests, not configuration: the product's values are the defaults. */
export interface AppOptions {
  /** Limits.requestTimeoutMs (30 s); tests of the timeout itself use a tiny one. */
  requestTimeoutMs?: number;
  /** Where the built web app is (defaults to packages/web/dist). */
  webDir?: string;
}

export async function buildApp(ctx: Omit<AppContext, 'logger' | 'lifecycle' | 'webhookQueue' | keyof RealtimeHooks>, options: AppOptions = {}): Promise<BuiltApp> {
  const { config } = ctx;
  const requestTimeoutMs = options.requestTimeoutMs ?? Limits.requestTimeoutMs;
  const headers = securityHeaders(config);
  const serverOptions = httpServerOptions(requestTimeoutMs);
  const app = Fastify({
    logger: loggerOptions(config),
    bodyLimit: Limits.jsonBodyBytes,
    http: serverOptions,
    // Fastify copies these two onto the server after creating it: they must agree with `http`.
    requestTimeout: serverOptions.requestTimeout,
    keepAliveTimeout: serverOptions.keepAliveTimeout,
    clientErrorHandler: clientErrorHandler(headers, requestTimeoutMs),
    frameworkErrors: frameworkErrorHandler(headers),
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Its 503 is bare; registerEdgeGuards answers SHUTTING_DOWN in the error format instead.
    return503OnClosing: false,
  });
  const metrics = createMetrics();
  const logger = app.log as unknown as AppContext['logger'];
  const backend = realtimeBackend(config, ctx.redis, metrics.registry, logger);
  const { bus, presence } = backend;
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  // Actions reach the publisher through the context and the publisher needs the context: the
  // hooks below are only called once it exists.
  const fullCtx: AppContext = {
    ...ctx,
    logger,
    lifecycle: { draining: false },
    // The server points it at its dispatcher once that exists (server.ts).
    webhookQueue: { poke: () => undefined },
    publish: (events) => {
      publisher.publish(events);
      if (events.some((e) => e.event.type === 'message.created')) fullCtx.webhookQueue.poke();
    },
    publishAppEvent: (record) => publisher.appEvent(record),
    notifyReadMoved: (userId, channelId, seq) => publisher.readMoved(userId, channelId, seq),
    notifyTyping: (userId, workspaceId, channelId) => publisher.typing(userId, workspaceId, channelId),
    typingDue: (userId, channelId) => publisher.typingDue(userId, channelId),
    notifyWorkspaceMembership: (userId, workspaceId, member) => publisher.workspaceMembershipChanged(userId, workspaceId, member),
    revokeLiveAccess: (userId, sessions) => publisher.sessionsRevoked(userId, sessions),
    presence,
    liveActivity: {
      connections: (userIds) => gateway.connectionsOf(userIds),
      messagesLastMinute: (workspaceId) => backend.messages.lastMinute(workspaceId),
    },
  };
  const publisher = new Publisher(fullCtx, bus, presence, gatewayMetrics, backend.messages);
  const gateway = new Gateway(fullCtx, bus, presence, publisher, gatewayMetrics, backend.caps);
  backend.onResync(() => catchUpSessions(fullCtx, gateway.sessions()));
  await backend.start();
  const limits = new RateLimits(config.rateLimits, ctx.redis);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    reply.header('X-Node-Id', config.nodeId);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON only; anything else is 415 rather than a string the schemas then reject.
  app.removeContentTypeParser('text/plain');
  registerStrictText(app);
  registerErrorHandling(app);
  await registerSecurityHeaders(app, config, headers);
  registerEdgeGuards(app);
  await registerCompression(app);
  await app.register(cookie);
  registerAuthentication(app, fullCtx);
  registerApiRateLimit(app, limits, metrics);
  registerAuditLog(app, fullCtx);
  await registerOpenApi(app);
  registerOpsRoutes(app, fullCtx, metrics);
  registerAuthRoutes(app, fullCtx, limits, metrics);
  registerWorkspaceRoutes(app, fullCtx);
  registerChannelRoutes(app, fullCtx);
  registerMessageRoutes(app, fullCtx);
  registerMeRoutes(app, fullCtx);
  registerTokenRoutes(app, fullCtx);
  registerHookRoutes(app, fullCtx, limits, metrics);
  registerAuditRoutes(app, fullCtx);
  registerAppEventRoutes(app, fullCtx);
  registerPasswordLinkRoutes(app, fullCtx, limits, metrics);
  await registerScimRoutes(app, fullCtx);
  registerRealtimeRoutes(app, fullCtx, gateway);
  await registerFileRoutes(app, fullCtx);
  await registerWebApp(app, { webDir: options.webDir, production: config.production });

  // Node would answer an `Expect` other than 100-continue with a bare 417; RFC 9110 lets a server
  // ignore an expectation it does not know, so the request is served as if it had none.
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => app.server.emit('request', request, response));
  // Node would drop a CONNECT without a word: this is not a proxy.
  app.server.on('connect', (_request: IncomingMessage, socket: Duplex) =>
    refuseOnSocket(socket, { code: 'METHOD_NOT_ALLOWED', message: 'This server is not a proxy', extra: ANY_METHOD }, headers, app.log, 'connect'),
  );
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = upgradeRefusal(request);
    if (refusal) return refuseOnSocket(socket, refusal, headers, app.log, 'upgrade');
    gateway.handleUpgrade(request, socket, head);
  });
  // Before the HTTP server stops: sockets get 1012 so clients reconnect and resume.
  app.addHook('preClose', async () => {
    await gateway.close();
    await backend.close();
  });
  return { app, ctx: fullCtx, metrics };
}
