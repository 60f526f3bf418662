import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from '../testing/redisServer.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';

describe('rate limits shared through Redis (REDIS_URL)', () => {
  let redis: RedisServer;
  let nodeA: TestServer;
  let nodeB: TestServer;
  before(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, RATE_LIMIT_ANON_PER_MIN: '3' };
    nodeA = await startTestServer({ env });
    nodeB = await startTestServer({ env });
  });
  after(async () => {
    await nodeA.close();
    await nodeB.close();
    await redis.stop();
  });

  it('two nodes count one budget: the 4th anonymous request is refused wherever it lands', async () => {
    const a = new TestClient(nodeA.url);
    const b = new TestClient(nodeB.url);
    assert.equal((await a.get('/api/v1/auth/me')).status, 401);
    assert.equal((await b.get('/api/v1/auth/me')).status, 401);
    const third = await a.get('/api/v1/auth/me');
    assert.equal(third.status, 401);
    assert.equal(third.headers.get('ratelimit-remaining'), '0');
    const fourth = await b.get('/api/v1/auth/me');
    assert.equal(fourth.status, 429);
    assert.equal(fourth.body.error.code, 'RATE_LIMITED');
    assert.ok(Number(fourth.headers.get('retry-after')) >= 1);
  });

  it('/ready reports Redis, and names it when it stops answering', async () => {
    const client = new TestClient(nodeA.url);
    const ready = await client.get('/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { database: 'ok', redis: 'ok' });

    await redis.stop();
    const notReady = await client.get('/ready');
    assert.equal(notReady.status, 503);
    assert.deepEqual(notReady.body.error.details, [{ field: 'redis', message: 'unreachable' }]);
    // Rate limiting falls back to local counters instead of failing requests.
    assert.equal((await client.get('/health')).status, 200);
    const api = await client.get('/api/v1/auth/me');
    assert.ok([401, 429].includes(api.status), `got ${api.status}`);
  });
});
