import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser } from '../../../testing/httpClient.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/**
 * POST /api/v1/auth/login from a chosen loopback source address (127.0.0.0/8 is all local on
 * Linux), so per-IP and per-account limits can be told apart without trusting proxy headers.
 */
function loginFrom(baseUrl: string, localAddress: string, username: string, password = 'wrong password'): Promise<RawResponse> {
  const url = new URL('/api/v1/auth/login', baseUrl);
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

function assertRateLimited(res: { status: number; body: any }, retryAfter: string | null | undefined): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'RATE_LIMITED');
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.requestId, 'requestId');
  assert.match(retryAfter ?? '', /^[1-9][0-9]*$/, `Retry-After: ${retryAfter}`);
  assert.ok(Number(retryAfter) <= 60, 'the window is one minute');
}

describe('rate limits (login 5/min per IP and per account, API per user)', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_LOGIN_PER_MIN: '5', RATE_LIMIT_API_PER_MIN: '3' } });
  });
  after(() => server.close());

  it('lets 5 logins from one IP through, refuses the 6th with 429, Retry-After and RateLimit headers', async () => {
    const ip = '127.0.0.11';
    for (let i = 1; i <= 5; i++) {
      const res = await loginFrom(server.url, ip, 'ip_victim');
      assert.equal(res.status, 401, `attempt ${i}`);
      assert.equal(res.headers['ratelimit-limit'], '5');
      assert.equal(res.headers['ratelimit-remaining'], String(5 - i));
    }
    const sixth = await loginFrom(server.url, ip, 'ip_victim');
    assertRateLimited(sixth, sixth.headers['retry-after'] as string | undefined);
    assert.equal(sixth.headers['ratelimit-limit'], '5');
    assert.equal(sixth.headers['ratelimit-remaining'], '0');
    assert.match(String(sixth.headers['ratelimit-reset']), /^[0-9]+$/);
  });

  it('limits per IP: the same IP is refused on a different, untouched account', async () => {
    const ip = '127.0.0.12';
    for (let i = 0; i < 5; i++) assert.equal((await loginFrom(server.url, ip, `spray_${i}`)).status, 401);
    const res = await loginFrom(server.url, ip, 'spray_untouched');
    assertRateLimited(res, res.headers['retry-after'] as string | undefined);
    assert.equal((await loginFrom(server.url, '127.0.0.13', 'spray_untouched')).status, 401, 'another IP still gets through');
  });

  it('limits per account, case-insensitively: after 5 attempts on "Someone" from 5 IPs, "someone" is refused from a 6th', async () => {
    const { input } = await registerNewUser(new TestClient(server.url), { username: 'someone' });
    for (let i = 1; i <= 5; i++) assert.equal((await loginFrom(server.url, `127.0.0.2${i}`, 'Someone')).status, 401);
    const res = await loginFrom(server.url, '127.0.0.26', 'someone', input.password);
    assertRateLimited(res, res.headers['retry-after'] as string | undefined);
    assert.equal((await loginFrom(server.url, '127.0.0.27', 'someone_else')).status, 401, 'other accounts are not affected');
  });

  it('limits per account, not per spelling: after 5 attempts by username, logging in by email is refused too', async () => {
    const { input } = await registerNewUser(new TestClient(server.url), { username: 'aliased', email: 'aliased@example.com' });
    for (let i = 1; i <= 5; i++) assert.equal((await loginFrom(server.url, `127.0.0.3${i}`, 'aliased')).status, 401);
    const res = await loginFrom(server.url, '127.0.0.36', input.email);
    assertRateLimited(res, res.headers['retry-after'] as string | undefined);
  });

  it('limits the authenticated API per user: the 4th GET /me is refused with 429 and Retry-After; other users are unaffected', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    for (let i = 1; i <= 3; i++) {
      const res = await client.get('/api/v1/auth/me');
      assert.equal(res.status, 200, `request ${i}`);
      assert.equal(res.headers.get('ratelimit-remaining'), String(3 - i));
    }
    const fourth = await client.get('/api/v1/auth/me');
    assertRateLimited(fourth, fourth.headers.get('retry-after'));
    assert.equal(fourth.headers.get('ratelimit-limit'), '3');

    const other = new TestClient(server.url);
    await registerNewUser(other);
    assert.equal((await other.get('/api/v1/auth/me')).status, 200);
  });
});
