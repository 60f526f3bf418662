import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from './config/env.js';
import { systemClock, type Clock } from './clock.js';
import { SqlStorage } from './storage/sql/sqlStorage.js';
import type { Storage } from './storage/port.js';
import { PasswordHasher } from './auth/passwords.js';
import { AccessTokens } from './auth/accessTokens.js';
import { buildApp, type AppOptions } from './http/app.js';
import { seedDemo } from './seed/demo.js';
import type { AppContext } from './context.js';
import { connectRedis, waitForRedis } from './redis/connect.js';
import path from 'node:path';
import { FileLimits } from '@relaydesk/protocol';
import { LocalDiskBlobStore } from './files/blobStore.js';
import { sweepUnattached } from './actions/fileUploader.js';
import { WebhookDispatcher } from './integrations/webhookDispatcher.js';
import { createOutboundClient } from './outbound/outboundClient.js';
import { SecretSealer } from './auth/webhookSigning.js';

export interface RunningServer {
  app: FastifyInstance;
  /** The context the routes use; tests and the gateway call actions with it. */
  ctx: AppContext;
  storage: Storage;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** Stops accepting, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
  /** SIGTERM: /ready turns 503 at once, the node serves on for DRAIN_DELAY_MS so the balancer notices, then closes. */
  drain(): Promise<void>;
}

export interface ServerOptions extends AppOptions {
  clock?: Clock;
}

/** Wires storage, auth and HTTP together and listens. Used by `main.ts` and by the tests alike. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const storage = await SqlStorage.open(config.databaseUrl, config.dataDir);
  const passwords = new PasswordHasher(config.passwordHashMemoryKiB);
  const accessTokens = new AccessTokens(config.jwtSecret, clock);
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  let app: FastifyInstance;
  let ctx: AppContext;
  let dispatcher: WebhookDispatcher | undefined;
  // Before the app is built: the real-time backend clears this node's old state in Redis first.
  const redisReady = redis ? await waitForRedis(redis) : true;
  try {
    const blobs = new LocalDiskBlobStore(path.join(config.dataDir, 'uploads'));
    ({ app, ctx } = await buildApp({ config, storage, clock, passwords, accessTokens, redis, blobs }, options));
    // Connections that die while nobody waits on them (a PostgreSQL restart) are logged, not fatal.
    storage.onFault = (message, err) => app.log.warn({ err }, message);
    if (!redisReady) app.log.warn('Redis is not answering yet; /ready reports it until it does');
    if (config.seedDemo && (await seedDemo(ctx))) app.log.info('seeded demo data');
    dispatcher = new WebhookDispatcher(ctx, createOutboundClient({ allowedHosts: config.outboundAllowedHosts, userAgent: 'RelayDesk-Webhooks/1' }), new SecretSealer(config.jwtSecret));
    ctx.webhookQueue.poke = () => dispatcher?.poke();
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    redis?.disconnect();
    await storage.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  // Connections that never carried a request (a cancelled fetch can leave one behind) are neither
  // busy nor "idle" to Node, and would hold close() until the headers timeout (~60 s).
  const unused = new Set<Socket>();
  // One shared listener rather than a closure per connection (memory per idle socket matters).
  function forget(this: Socket) {
    unused.delete(this);
  }
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.on('close', forget);
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket as Socket));
  app.server.on('upgrade', (request: IncomingMessage) => unused.delete(request.socket as Socket));
  dispatcher?.start();
  const sweep = setInterval(() => {
    sweepUnattached(ctx, FileLimits.unattachedTtlMs).catch((err) => app.log.warn({ err }, 'sweeping unattached uploads failed'));
  }, 10 * 60_000);
  sweep.unref();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Keep-alive connections that finish an in-flight request after close() began would hold
      // the server open until they time out; close each as soon as it goes idle.
      clearInterval(sweep);
      const sweeper = setInterval(() => {
        app.server.closeIdleConnections();
        for (const socket of unused) socket.destroy();
      }, 50);
      try {
        await dispatcher?.stop();
        await app.close();
      } finally {
        clearInterval(sweeper);
        redis?.disconnect();
        await storage.close();
      }
    })());
  return {
    app,
    ctx,
    storage,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close,
    drain: async () => {
      ctx.lifecycle.draining = true;
      await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
      await close();
    },
  };
}
