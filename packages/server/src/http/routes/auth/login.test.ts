import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type RequestOptions, type TestResponse } from '../../../testing/httpClient.js';

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.requestId, 'requestId');
}

/** A server-side API client: no cookies, no Origin, no CSRF header. */
const apiOptions = (accessToken?: string): RequestOptions => ({
  browser: false,
  headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
});

describe('login, /me and bearer tokens', () => {
  let server: TestServer;
  let account: Awaited<ReturnType<typeof registerNewUser>>;

  before(async () => {
    server = await startTestServer();
    account = await registerNewUser(new TestClient(server.url), { username: 'Login_User', email: 'Login.User@Example.com' });
  });
  after(() => server.close());

  const login = (client: TestClient, username: string, password = account.input.password) =>
    client.post('/api/v1/auth/login', { username, password });

  for (const name of ['login_user', 'LOGIN_USER', 'login.user@example.com', 'LOGIN.User@EXAMPLE.com']) {
    it(`logs in as "${name}" with 200, the user and the session cookies`, async () => {
      const client = new TestClient(server.url);
      const res = await login(client, name);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user.id, account.user.id);
      assert.doesNotMatch(res.text, /password/i);
      for (const cookie of ['access_token', 'refresh_token', 'csrf']) assert.ok(client.cookie(cookie), cookie);
    });
  }

  it('answers a wrong password and an unknown user alike: 401 INVALID_CREDENTIALS, same message, no cookies', async () => {
    const wrongPassword = new TestClient(server.url);
    const unknownUser = new TestClient(server.url);
    const a = await login(wrongPassword, 'login_user', 'not the password');
    const b = await login(unknownUser, 'nobody_here', 'not the password');
    assertError(a, 401, 'INVALID_CREDENTIALS');
    assertError(b, 401, 'INVALID_CREDENTIALS');
    assert.equal(a.body.error.message, b.body.error.message);
    assert.equal(wrongPassword.jar.size + unknownUser.jar.size, 0);
  });

  it('rejects a login without a password with 400 VALIDATION_FAILED', async () => {
    const res = await new TestClient(server.url).post('/api/v1/auth/login', { username: 'login_user' });
    assertError(res, 400, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.error.details.map((d: { field: string }) => d.field), ['password']);
  });

  it('GET /me answers with the user given the session cookie, and 401 without it', async () => {
    const client = new TestClient(server.url);
    await login(client, 'login_user');
    const me = await client.get('/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, 'login_user');
    assertError(await new TestClient(server.url).get('/api/v1/auth/me'), 401, 'UNAUTHENTICATED');
  });

  it('POST /token returns access and refresh tokens in the body and sets no cookies', async () => {
    const res = await new TestClient(server.url).post('/api/v1/auth/token', { username: 'login_user', password: account.input.password }, apiOptions());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.user.id, account.user.id);
    assert.equal(typeof res.body.accessToken, 'string');
    assert.equal(typeof res.body.refreshToken, 'string');
    const accessLeft = Date.parse(res.body.accessTokenExpiresAt) - Date.now();
    const refreshLeft = Date.parse(res.body.refreshTokenExpiresAt) - Date.now();
    assert.ok(accessLeft > 14 * 60_000 && accessLeft <= 15 * 60_000, `access token lives ${accessLeft} ms`);
    assert.ok(refreshLeft > 29 * 86_400_000 && refreshLeft <= 30 * 86_400_000, `refresh token lives ${refreshLeft} ms`);
    assert.deepEqual(res.headers.getSetCookie(), []);
  });

  it('POST /token refuses wrong credentials with 401 INVALID_CREDENTIALS', async () => {
    const res = await new TestClient(server.url).post('/api/v1/auth/token', { username: 'login_user', password: 'nope nope' }, apiOptions());
    assertError(res, 401, 'INVALID_CREDENTIALS');
  });

  it('a bearer token works on GET /me and POST /ws-ticket without Origin or CSRF header', async () => {
    const api = new TestClient(server.url);
    const tokens = await api.post('/api/v1/auth/token', { username: 'login_user', password: account.input.password }, apiOptions());
    const me = await api.get('/api/v1/auth/me', apiOptions(tokens.body.accessToken));
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.user.id, account.user.id);
    const ticket = await api.post('/api/v1/auth/ws-ticket', undefined, apiOptions(tokens.body.accessToken));
    assert.equal(ticket.status, 200, ticket.text);
    assert.equal(typeof ticket.body.ticket, 'string');
  });

  it('refresh with { refreshToken } in the body returns new, working tokens', async () => {
    const api = new TestClient(server.url);
    const first = await api.post('/api/v1/auth/token', { username: 'login_user', password: account.input.password }, apiOptions());
    const next = await api.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken }, apiOptions());
    assert.equal(next.status, 200, next.text);
    assert.notEqual(next.body.refreshToken, first.body.refreshToken);
    assert.equal(next.body.user.id, account.user.id);
    assert.deepEqual(next.headers.getSetCookie(), [], 'a body refresh answers in the body only');
    assert.equal((await api.get('/api/v1/auth/me', apiOptions(next.body.accessToken))).status, 200);
    const again = await api.post('/api/v1/auth/refresh', { refreshToken: next.body.refreshToken }, apiOptions());
    assert.equal(again.status, 200, 'the rotated refresh token is usable once');
  });
});
