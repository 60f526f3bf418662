import os from 'node:os';
import { randomBytes } from 'node:crypto';
import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';
import { FileLimits, RealtimeLimits } from '@relaydesk/protocol';
import { allowedHostProblem } from '../outbound/addressPolicy.js';

/**
 * Every setting, as it arrives from the environment (strings). Defaults that depend on other
 * settings (PUBLIC_URL from PORT, cookie security from NODE_ENV) are resolved in `loadConfig`.
 */
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Bool = Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')]);

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  PORT: Type.Optional(Port),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^(postgres|postgresql|sqlite)://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/\\s]+/?$' })),
  SEED_DEMO: Type.Optional(Bool),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  COOKIE_SECURE: Type.Optional(Bool),
  ALLOWED_ORIGINS: Type.String({ default: '' }),
  CORS_ORIGINS: Type.String({ default: '' }),
  TRUST_PROXY: Type.Optional(Bool),
  RATE_LIMIT_LOGIN_PER_MIN: Type.Integer({ minimum: 1, default: 5 }),
  RATE_LIMIT_API_PER_MIN: Type.Integer({ minimum: 1, default: 200 }),
  RATE_LIMIT_ANON_PER_MIN: Type.Integer({ minimum: 1, default: 100 }),
  /** Posts per minute through one incoming webhook. */
  WEBHOOK_RATE_PER_MIN: Type.Integer({ minimum: 1, default: 60 }),
  /** An outgoing webhook's first retry waits this long; each next one doubles (with jitter). */
  WEBHOOK_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 5000 }),
  /** Attempts per delivery before it is given up (the first included). */
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 30, default: 10 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  /** On SIGTERM, how long /ready answers 503 while the node still serves, so the balancer stops sending it new clients first. */
  DRAIN_DELAY_MS: Type.Integer({ minimum: 0, default: 2000 }),
  /** This node's name in logs, metrics, the X-Node-Id header and Redis; a random one per process when unset. */
  NODE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
  PASSWORD_HASH_MEMORY_KIB: Type.Integer({ minimum: 8192, default: 19_456 }),
  MESSAGE_EDIT_WINDOW_SECONDS: Type.Integer({ minimum: 0, default: 900 }),
  WS_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: 30_000 }),
  WS_MAX_CONNECTIONS_PER_USER: Type.Integer({ minimum: 1, default: RealtimeLimits.maxConnectionsPerUser }),
  WS_MAX_CONNECTIONS_PER_IP: Type.Integer({ minimum: 1, default: RealtimeLimits.maxConnectionsPerIp }),
  PRESENCE_GRACE_MS: Type.Integer({ minimum: 0, default: RealtimeLimits.presenceGraceMs }),
  SSE_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: RealtimeLimits.sseHeartbeatMs }),
  UPLOAD_MAX_BYTES: Type.Integer({ minimum: 1, default: FileLimits.uploadMaxBytes }),
  /** Comma-separated MIME types (detected from content) that may be uploaded; empty = the default list. */
  UPLOAD_ALLOWED_TYPES: Type.String({ default: '' }),
  /** Comma-separated hosts or CIDRs the outbound client may call although they are internal (loopback, private ...). */
  OUTBOUND_ALLOWED_HOSTS: Type.String({ default: '' }),
});
export type Env = Type.Static<typeof EnvSchema>;

/** Known-bad secrets: shipped in docs and defaults, so never acceptable in production. */
export const DEV_JWT_SECRET = 'relaydesk-dev-secret-change-me-0123456789';

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  publicUrl: string;
  /** Exact origins allowed for cookie-authenticated writes and WebSocket upgrades. */
  allowedOrigins: string[];
  corsOrigins: string[];
  seedDemo: boolean;
  logLevel: Env['LOG_LEVEL'];
  jwtSecret: string;
  cookieSecure: boolean;
  trustProxy: boolean;
  rateLimits: { loginPerMin: number; apiPerMin: number; anonPerMin: number; webhookPerMin: number };
  shutdownGraceMs: number;
  drainDelayMs: number;
  webhookRetryBaseMs: number;
  webhookMaxAttempts: number;
  nodeId: string;
  passwordHashMemoryKiB: number;
  /** How long after sending an author may edit a message (deletion has no window). */
  editWindowMs: number;
  /** WebSocket ping interval; a peer that misses a ping is dropped at the next one. */
  wsHeartbeatMs: number;
  /** Real-time connections (WebSocket and SSE together) allowed per user and per client IP. */
  maxConnectionsPerUser: number;
  maxConnectionsPerIp: number;
  /** How long after a user's last connection closes they still show (no offline flap on reload). */
  presenceGraceMs: number;
  /** Interval of the `: ping` comment on Server-Sent Event streams. */
  sseHeartbeatMs: number;
  uploadMaxBytes: number;
  /** Empty: the default allowed list (files/typePolicy.ts). */
  uploadAllowedTypes: string[];
  /** The only exceptions to the outbound client's refusal of internal targets (outbound/addressPolicy.ts). */
  outboundAllowedHosts: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const truthy = (v: string | undefined): boolean | undefined =>
  v === undefined ? undefined : v === 'true' || v === '1';

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** "must be one of: a, b" reads better than the validator's per-branch messages for a union of literals. */
function describeExpected(schema: TSchema): string | undefined {
  const options = (schema as { anyOf?: { const?: unknown }[] }).anyOf?.map((o) => o.const);
  return options?.every((o) => typeof o === 'string') ? `must be one of: ${options.join(', ')}` : undefined;
}

const isOrigin = (value: string): boolean => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
};

/** Parses and validates the environment once; throws one ConfigError naming every problem. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const known = Object.keys(EnvSchema.properties);
  const raw: Record<string, string> = {};
  for (const key of known) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const converted = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw));
  const problems: string[] = [];
  for (const [key, schema] of Object.entries(EnvSchema.properties) as [string, TSchema][]) {
    const value = (converted as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const [first] = Value.Errors(schema, value);
    if (first) problems.push(`${key}: ${describeExpected(schema) ?? first.message} (got ${JSON.stringify(raw[key])})`);
  }
  const env = converted as Env;

  const production = env.NODE_ENV === 'production';
  const port = env.PORT ?? 3000;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  const cookieSecure = truthy(env.COOKIE_SECURE) ?? (production || publicUrl.startsWith('https://'));
  const jwtSecret = env.JWT_SECRET ?? DEV_JWT_SECRET;
  for (const key of ['ALLOWED_ORIGINS', 'CORS_ORIGINS'] as const) {
    for (const origin of list(env[key] ?? '')) {
      if (!isOrigin(origin)) problems.push(`${key}: "${origin}" is not an origin like https://chat.example.com`);
    }
  }
  for (const entry of list(env.OUTBOUND_ALLOWED_HOSTS ?? '')) {
    const problem = allowedHostProblem(entry);
    if (problem) problems.push(`OUTBOUND_ALLOWED_HOSTS: ${problem}`);
  }
  // Checked even when other values are wrong, so one start-up attempt reports everything.
  if (production) {
    if (jwtSecret === DEV_JWT_SECRET) problems.push('JWT_SECRET: must be set to a secret of your own in production');
    else if (jwtSecret.length < 32) problems.push('JWT_SECRET: must be at least 32 characters in production');
    if (!cookieSecure) problems.push('COOKIE_SECURE: cookies must be Secure in production (serve over https)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const allowedOrigins = new Set([new URL(publicUrl).origin, ...list(env.ALLOWED_ORIGINS)]);
  if (!production && env.PUBLIC_URL === undefined) allowedOrigins.add(`http://127.0.0.1:${port}`);

  return {
    env: env.NODE_ENV,
    production,
    port,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    publicUrl,
    allowedOrigins: [...allowedOrigins],
    corsOrigins: list(env.CORS_ORIGINS),
    seedDemo: truthy(env.SEED_DEMO) ?? !production,
    logLevel: env.LOG_LEVEL,
    jwtSecret,
    cookieSecure,
    trustProxy: truthy(env.TRUST_PROXY) ?? false,
    rateLimits: {
      loginPerMin: env.RATE_LIMIT_LOGIN_PER_MIN,
      apiPerMin: env.RATE_LIMIT_API_PER_MIN,
      anonPerMin: env.RATE_LIMIT_ANON_PER_MIN,
      webhookPerMin: env.WEBHOOK_RATE_PER_MIN,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    drainDelayMs: env.DRAIN_DELAY_MS,
    webhookRetryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    webhookMaxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    nodeId: env.NODE_ID ?? `${os.hostname().replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40) || 'node'}-${randomBytes(4).toString('hex')}`,
    passwordHashMemoryKiB: env.PASSWORD_HASH_MEMORY_KIB,
    editWindowMs: env.MESSAGE_EDIT_WINDOW_SECONDS * 1000,
    wsHeartbeatMs: env.WS_HEARTBEAT_MS,
    maxConnectionsPerUser: env.WS_MAX_CONNECTIONS_PER_USER,
    maxConnectionsPerIp: env.WS_MAX_CONNECTIONS_PER_IP,
    presenceGraceMs: env.PRESENCE_GRACE_MS,
    sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
    uploadMaxBytes: env.UPLOAD_MAX_BYTES,
    uploadAllowedTypes: list(env.UPLOAD_ALLOWED_TYPES),
    outboundAllowedHosts: list(env.OUTBOUND_ALLOWED_HOSTS),
  };
}
