import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, TEST_ORIGIN, type TestServer } from '../../testing/testServer.js';
import { TestClient, registerNewUser } from '../../testing/httpClient.js';

function assertSecurityHeaders(headers: Headers, where: string): void {
  const csp = headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `${where}: CSP has ${directive}: ${csp}`);
  }
  assert.match(csp, /connect-src 'self' ws:\/\/relaydesk\.test/, `${where}: connect-src allows this origin's WebSocket`);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', where);
  assert.equal(headers.get('referrer-policy'), 'no-referrer', where);
  assert.equal(headers.get('x-frame-options'), 'DENY', where);
  assert.equal(headers.get('x-powered-by'), null, where);
}

describe('security headers and CORS', () => {
  let server: TestServer;
  let client: TestClient;
  before(async () => {
    server = await startTestServer();
    client = new TestClient(server.url);
  });
  after(() => server.close());

  it('every kind of response carries the security headers', async () => {
    assertSecurityHeaders((await client.get('/health')).headers, '200');
    assertSecurityHeaders((await client.get('/no/such/route')).headers, '404');
    assertSecurityHeaders((await client.get('/api/v1/auth/me')).headers, '401');
    assertSecurityHeaders((await client.post('/api/v1/auth/login', { username: 'x' })).headers, '400');
    const big = await client.request('POST', '/api/v1/auth/login', {
      raw: JSON.stringify({ username: 'x'.repeat(1024 * 1024), password: 'y' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(big.status, 413);
    assertSecurityHeaders(big.headers, '413');
  });

  it('does not send HSTS outside production (it would pin http://localhost to https)', async () => {
    assert.equal((await client.get('/health')).headers.get('strict-transport-security'), null);
  });

  it('CORS is closed by default: no Access-Control-Allow-Origin for a foreign origin', async () => {
    const res = await fetch(`${server.url}/api/v1/auth/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

describe('production mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: { NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), PUBLIC_URL: 'https://chat.example.com' },
    });
  });
  after(() => server.close());

  it('sends HSTS and Secure cookies, and wss:// in connect-src', async () => {
    const client = new TestClient(server.url, 'https://chat.example.com');
    const res = await client.get('/health');
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
    assert.match(res.headers.get('content-security-policy') ?? '', /connect-src 'self' wss:\/\/chat\.example\.com/);
    const reg = await client.post('/api/v1/auth/register', { email: 'p@example.com', username: 'prod_user', password: 'long enough pw' });
    assert.equal(reg.status, 201);
    const cookies = reg.headers.getSetCookie();
    assert.equal(cookies.length, 3);
    for (const c of cookies) assert.match(c, /; Secure/, c);
  });
});

describe('CORS allowlist', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { CORS_ORIGINS: 'https://erp.example.com' } });
  });
  after(() => server.close());

  it('answers listed origins only, with credentials', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/api/v1/auth/me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('https://erp.example.com');
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://erp.example.com');
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
    const refused = await preflight('https://evil.example');
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });
});

describe('cookies outside production', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('work on plain http (no Secure flag) with SameSite=Lax', async () => {
    const client = new TestClient(server.url, TEST_ORIGIN);
    await registerNewUser(client);
    assert.equal(client.jar.size, 3);
  });
});
