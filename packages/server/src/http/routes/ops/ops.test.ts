import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';

describe('health, readiness and metrics', () => {
  let server: TestServer;
  let client: TestClient;
  before(async () => {
    server = await startTestServer();
    client = new TestClient(server.url);
  });
  after(() => server.close());

  it('GET /health answers ok', async () => {
    const res = await client.get('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  it('GET /ready checks the database', async () => {
    const res = await client.get('/ready');
    assert.equal(res.status, 200);
    assert.equal(res.body.checks.database, 'ok');
  });

  it('GET /metrics exposes Prometheus text with process and HTTP metrics', async () => {
    await client.get('/health');
    await client.get('/api/v1/nothing-here');
    const res = await client.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(res.text, /relaydesk_process_cpu_user_seconds_total/);
    assert.match(res.text, /relaydesk_http_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} [1-9]/);
    assert.match(res.text, /relaydesk_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} [1-9]/);
  });

  it('probes are not rate limited', async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_ANON_PER_MIN: '2' } });
    try {
      const c = new TestClient(limited.url);
      for (let i = 0; i < 5; i++) {
        for (const path of ['/health', '/ready', '/metrics']) assert.equal((await c.get(path)).status, 200, path);
      }
      assert.equal((await c.get('/api/v1/auth/me')).status, 401);
      assert.equal((await c.get('/api/v1/auth/me')).status, 401);
      assert.equal((await c.get('/api/v1/auth/me')).status, 429);
    } finally {
      await limited.close();
    }
  });

  it('GET /ready answers 503 with the failing check when the database is gone', async () => {
    const doomed = await startTestServer();
    try {
      await doomed.storage.close();
      const res = await new TestClient(doomed.url).get('/ready');
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'NOT_READY');
      assert.deepEqual(res.body.error.details, [{ field: 'database', message: 'unreachable' }]);
    } finally {
      await doomed.app.close();
    }
  });
});
