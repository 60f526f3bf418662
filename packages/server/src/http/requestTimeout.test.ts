import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Limits } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { rawRequest } from '../testing/rawHttp.js';
import { KEEP_ALIVE_TIMEOUT_MS } from './serverOptions.js';

/** Small enough to keep the suite fast, large enough that a loaded CI box does not blur it. */
const LIMIT_MS = 1000;
/** How late after the limit a cut may come: Node checks every LIMIT_MS / 10, plus scheduling slack. */
const LATE_MS = 500;

/** One write every `everyMs`, `count` times. */
const trickle = (piece: string, everyMs: number, count: number) => Array.from({ length: count }, () => [everyMs, piece]).flat();

describe('request timeout: the product default', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('is 30 s for the headers and for the whole request, checked every second', () => {
    assert.equal(Limits.requestTimeoutMs, 30_000);
    const http = server.app.server;
    assert.equal(http.requestTimeout, Limits.requestTimeoutMs);
    assert.equal(http.headersTimeout, Limits.requestTimeoutMs);
    // Node's default of 30 s would let a slow request live up to 60 s.
    assert.equal((http as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval, 1000);
    assert.equal(http.keepAliveTimeout, KEEP_ALIVE_TIMEOUT_MS);
  });
});

describe(`request timeout (set to ${LIMIT_MS} ms for the test)`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ requestTimeoutMs: LIMIT_MS });
  });
  after(() => server.close());

  function assertCutAtLimit(res: Awaited<ReturnType<typeof rawRequest>>, where: string): void {
    assert.equal(res.status, 408, `${where}: ${res.text.slice(0, 200)}`);
    const body = JSON.parse(res.body) as { error: { code: string; requestId: string } };
    assert.equal(body.error.code, 'REQUEST_TIMEOUT', where);
    assert.equal(res.headers['x-request-id'], body.error.requestId, where);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
    assert.equal(res.headers.connection, 'close', where);
    assert.ok(res.closedAfterMs >= LIMIT_MS - 50, `${where}: cut after ${res.closedAfterMs} ms, not before the limit`);
    assert.ok(res.closedAfterMs < LIMIT_MS + LATE_MS, `${where}: cut after ${res.closedAfterMs} ms, at the limit and not later`);
  }

  it('slow headers (slowloris: one header line every 100 ms, never finished) are cut at the limit with 408', async () => {
    const res = await rawRequest(server.url, ['GET /health HTTP/1.1\r\nHost: x\r\n', ...trickle('X-Slow: 1\r\n', 100, 40)]);
    assertCutAtLimit(res, 'slow headers');
  });

  it('a trickling body (one byte every 100 ms) is cut at the limit with 408, though it never stalls', async () => {
    const head = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
    const res = await rawRequest(server.url, [head, ...trickle(' ', 100, 40)]);
    assertCutAtLimit(res, 'trickling body');
  });

  it('a connection that sends nothing at all is closed at the limit too', async () => {
    const res = await rawRequest(server.url, [], LIMIT_MS * 3);
    assert.ok(res.closedAfterMs < LIMIT_MS + LATE_MS, `closed after ${res.closedAfterMs} ms`);
  });

  it('a slow request that completes within the limit is served normally', async () => {
    const body = JSON.stringify({ username: 'nobody_here', password: 'not the password' });
    const head = `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const res = await rawRequest(server.url, [head, 200, body.slice(0, 10), 200, body.slice(10)]);
    assert.equal(res.status, 401, res.text.slice(0, 200));
    assert.equal(JSON.parse(res.body).error.code, 'INVALID_CREDENTIALS');
  });
});
