import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../clock.js';
import { TEST_ORIGIN, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

const LOGOUT = '/api/v1/auth/logout';

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.ok(res.body.error.requestId, 'requestId');
}

describe('POST /api/v1/auth/logout', () => {
  let server: TestServer;
  const clock = new ManualClock();
  const api = () => new TestClient(server.url);
  const meWith = (accessToken: string) => api().get('/api/v1/auth/me', { browser: false, headers: { authorization: `Bearer ${accessToken}` } });
  const refreshWith = (refreshToken: string) => api().post('/api/v1/auth/refresh', { refreshToken }, { browser: false });

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.close());

  async function signedIn() {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const access = client.cookie('access_token');
    const refresh = client.cookie('refresh_token');
    assert.ok(access && refresh);
    return { client, access, refresh };
  }

  it('answers 204, clears the three cookies, and kills the old access and refresh tokens', async () => {
    const { client, access, refresh } = await signedIn();
    const res = await client.post(LOGOUT);
    assert.equal(res.status, 204, res.text);
    const cleared = res.headers.getSetCookie().map((line) => line.split('=')[0]);
    assert.deepEqual(cleared.sort(), ['access_token', 'csrf', 'refresh_token']);
    assert.equal(client.jar.size, 0);
    assertError(await meWith(access), 401, 'SESSION_REVOKED');
    assertError(await refreshWith(refresh), 401, 'UNAUTHENTICATED');
    assertError(await client.get('/api/v1/auth/me'), 401, 'UNAUTHENTICATED');
  });

  it('clears the refresh cookie on its own path, so the browser really drops it', async () => {
    const { client } = await signedIn();
    const res = await client.post(LOGOUT);
    const refreshLine = res.headers.getSetCookie().find((line) => line.startsWith('refresh_token='));
    assert.match(refreshLine ?? '', /Path=\/api\/v1\/auth(;|$)/);
  });

  it('needs the CSRF token when cookie-authenticated: without it 403 and the session lives on', async () => {
    const { client } = await signedIn();
    assertError(await client.post(LOGOUT, undefined, { browser: false, headers: { origin: TEST_ORIGIN } }), 403, 'CSRF_FAILED');
    assertError(await client.post(LOGOUT, undefined, { headers: { origin: 'https://evil.example' } }), 403, 'ORIGIN_FORBIDDEN');
    assert.equal((await client.get('/api/v1/auth/me')).status, 200);
  });

  it('is idempotent: logging out without a session answers 204', async () => {
    assert.equal((await api().post(LOGOUT)).status, 204);
    const { client } = await signedIn();
    assert.equal((await client.post(LOGOUT)).status, 204);
    assert.equal((await client.post(LOGOUT)).status, 204);
  });

  it('ends a bearer session without CSRF: its access and refresh tokens stop working', async () => {
    const { input } = await registerNewUser(api());
    const tokens = await api().post('/api/v1/auth/token', { username: input.username, password: input.password }, { browser: false });
    const res = await api().post(LOGOUT, undefined, { browser: false, headers: { authorization: `Bearer ${tokens.body.accessToken}` } });
    assert.equal(res.status, 204, res.text);
    assertError(await meWith(tokens.body.accessToken), 401, 'SESSION_REVOKED');
    assert.equal((await refreshWith(tokens.body.refreshToken)).status, 401);
  });

  it('ends a bearer session whose access token has expired through the refresh token in the body', async () => {
    const { input } = await registerNewUser(api());
    const tokens = await api().post('/api/v1/auth/token', { username: input.username, password: input.password }, { browser: false });
    clock.advance(16 * 60 * 1000);
    const expired = { authorization: `Bearer ${tokens.body.accessToken}` };
    assertError(await meWith(tokens.body.accessToken), 401, 'TOKEN_EXPIRED');
    const res = await api().post(LOGOUT, { refreshToken: tokens.body.refreshToken }, { browser: false, headers: expired });
    assert.equal(res.status, 204, res.text);
    assertError(await refreshWith(tokens.body.refreshToken), 401, 'UNAUTHENTICATED');
  });

  it('refuses a malformed body with 400 and ends nothing', async () => {
    const { input } = await registerNewUser(api());
    const tokens = await api().post('/api/v1/auth/token', { username: input.username, password: input.password }, { browser: false });
    const bearer = { authorization: `Bearer ${tokens.body.accessToken}` };
    for (const body of [{ refreshToken: '' }, { refreshToken: 'x'.repeat(257) }, { refreshToken: tokens.body.refreshToken, extra: 1 }]) {
      assertError(await api().post(LOGOUT, body, { browser: false, headers: bearer }), 400, 'VALIDATION_FAILED');
    }
    assert.equal((await meWith(tokens.body.accessToken)).status, 200, 'the session lives on');
  });

  it('only ends its own session: another session of the same user keeps working', async () => {
    const { input } = await registerNewUser(api());
    const laptop = api();
    const phone = api();
    for (const c of [laptop, phone]) await c.post('/api/v1/auth/login', { username: input.username, password: input.password });
    assert.equal((await laptop.post(LOGOUT)).status, 204);
    assert.equal((await phone.get('/api/v1/auth/me')).status, 200);
  });

  for (const browserDropsIt of [false, true]) {
    const how = browserDropsIt ? 'the browser already dropped the access cookie' : 'the expired access cookie is still sent';
    it(`works after the access token expired (${how}), and then the refresh token is dead too`, async () => {
      const { client, refresh } = await signedIn();
      clock.advance(16 * 60 * 1000);
      if (browserDropsIt) client.jar.delete('access_token');
      else assertError(await client.get('/api/v1/auth/me'), 401, 'TOKEN_EXPIRED');
      const res = await client.post(LOGOUT);
      assert.equal(res.status, 204, res.text);
      assertError(await refreshWith(refresh), 401, 'UNAUTHENTICATED');
    });
  }
});
