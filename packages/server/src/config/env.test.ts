import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from './env.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
};

describe('configuration', () => {
  it('has working defaults for a development machine', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, './data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.publicUrl, 'http://localhost:3000');
    assert.deepEqual(config.allowedOrigins, ['http://localhost:3000', 'http://127.0.0.1:3000']);
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.seedDemo, true);
    assert.equal(config.cookieSecure, false);
    assert.deepEqual(config.rateLimits, { loginPerMin: 5, apiPerMin: 200, anonPerMin: 100, webhookPerMin: 60 });
  });

  it('reads the documented variables', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/relaydesk',
      DATABASE_URL: 'postgres://u:p@db/relaydesk',
      PUBLIC_URL: 'https://chat.example.com/',
      ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com',
      SEED_DEMO: 'false',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, 'postgres://u:p@db/relaydesk');
    assert.equal(config.publicUrl, 'https://chat.example.com');
    assert.deepEqual(config.allowedOrigins, ['https://chat.example.com', 'https://a.example.com', 'https://b.example.com']);
    assert.equal(config.cookieSecure, true, 'an https PUBLIC_URL implies Secure cookies');
    assert.equal(config.seedDemo, false);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', RATE_LIMIT_API_PER_MIN: '0' });
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'RATE_LIMIT_API_PER_MIN']) {
      assert.ok(problems.some((p) => p.startsWith(`${name}:`)), `${name} reported in ${problems.join(' | ')}`);
    }
  });

  it('rejects malformed origins', () => {
    const problems = problemsOf({ ALLOWED_ORIGINS: 'https://ok.example.com,not-an-origin', CORS_ORIGINS: 'https://x.example.com/path' });
    assert.equal(problems.length, 2);
  });

  it('refuses insecure production settings, together with any other problem', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'x', COOKIE_SECURE: 'false' });
    assert.ok(problems.some((p) => p.startsWith('JWT_SECRET:')));
    assert.ok(problems.some((p) => p.startsWith('COOKIE_SECURE:')));
    assert.ok(problems.some((p) => p.startsWith('PORT:')));
    assert.ok(problemsOf({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET }).some((p) => p.startsWith('JWT_SECRET:')));
    assert.ok(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' }).some((p) => p.includes('32 characters')));
  });

  it('accepts a secure production configuration and turns the demo off', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), PUBLIC_URL: 'https://chat.example.com' });
    assert.equal(config.production, true);
    assert.equal(config.cookieSecure, true);
    assert.equal(config.seedDemo, false);
    assert.deepEqual(config.allowedOrigins, ['https://chat.example.com']);
  });

  it('has real-time defaults (connection caps, presence grace, SSE heartbeat) and reads overrides', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.maxConnectionsPerUser, 20);
    assert.equal(defaults.maxConnectionsPerIp, 500);
    assert.equal(defaults.presenceGraceMs, 10_000);
    assert.equal(defaults.sseHeartbeatMs, 15_000);
    const set = loadConfig({ WS_MAX_CONNECTIONS_PER_USER: '5', WS_MAX_CONNECTIONS_PER_IP: '50', PRESENCE_GRACE_MS: '0', SSE_HEARTBEAT_MS: '1000' });
    assert.deepEqual(
      [set.maxConnectionsPerUser, set.maxConnectionsPerIp, set.presenceGraceMs, set.sseHeartbeatMs],
      [5, 50, 0, 1000],
    );
    const problems = problemsOf({ WS_MAX_CONNECTIONS_PER_USER: '0', WS_MAX_CONNECTIONS_PER_IP: 'many', PRESENCE_GRACE_MS: '-1', SSE_HEARTBEAT_MS: '10' });
    for (const name of ['WS_MAX_CONNECTIONS_PER_USER', 'WS_MAX_CONNECTIONS_PER_IP', 'PRESENCE_GRACE_MS', 'SSE_HEARTBEAT_MS']) {
      assert.ok(problems.some((p) => p.startsWith(`${name}:`)), `${name} reported in ${problems.join(' | ')}`);
    }
  });
});
