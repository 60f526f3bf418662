import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../config/env.js';
import { startServer, type RunningServer, type ServerOptions } from '../server.js';
import { createTestDatabase } from './postgres.js';

/** Integration suites that touch storage run once per database. */
export const DATABASES = ['sqlite', 'postgres'] as const;
export type TestDatabaseKind = (typeof DATABASES)[number];

/** The origin test clients present; the test server's PUBLIC_URL. */
export const TEST_ORIGIN = 'http://relaydesk.test';

export interface TestServer extends RunningServer {
  config: Config;
  dataDir: string;
}

/**
 * Starts the real server on a random loopback port with a fresh SQLite file (or, with
 * `database: 'postgres'`, a fresh database on the harness's PostgreSQL, dropped on close). Rate limits are raised
 * so that suites can create many users; the rate-limit tests pass the defaults back in `env`.
 */
export async function startTestServer(
  options: { env?: Record<string, string>; databaseUrl?: string; database?: TestDatabaseKind } & ServerOptions = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-test-'));
  const pg = options.database === 'postgres' ? await createTestDatabase() : undefined;
  if (pg) options = { ...options, databaseUrl: pg.url };
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    PUBLIC_URL: TEST_ORIGIN,
    SEED_DEMO: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_LOGIN_PER_MIN: '1000',
    RATE_LIMIT_API_PER_MIN: '100000',
    RATE_LIMIT_ANON_PER_MIN: '100000',
    PASSWORD_HASH_MEMORY_KIB: '8192',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const server = await startServer(config, { clock: options.clock, requestTimeoutMs: options.requestTimeoutMs, webDir: options.webDir });
  return {
    ...server,
    config,
    dataDir,
    close: async () => {
      await server.close();
      await pg?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
