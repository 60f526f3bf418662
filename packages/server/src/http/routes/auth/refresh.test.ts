import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../clock.js';
import { TEST_ORIGIN, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

const REFRESH = '/api/v1/auth/refresh';
const DAY = 24 * 60 * 60 * 1000;

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.requestId, 'requestId');
}

const bearer = (token: string) => ({ browser: false, headers: { authorization: `Bearer ${token}` } });

describe('POST /api/v1/auth/refresh', () => {
  let server: TestServer;
  const clock = new ManualClock();

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.close());

  /** A signed-in browser, and a second browser signed in as the same user. */
  async function twoSessions() {
    const first = new TestClient(server.url);
    const { input } = await registerNewUser(first);
    const second = new TestClient(server.url);
    assert.equal((await second.post('/api/v1/auth/login', { username: input.username, password: input.password })).status, 200);
    return { first, second };
  }

  it('rotates the cookie: new refresh and csrf cookies, a working access token, and the old refresh token is refused', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const oldRefresh = client.cookie('refresh_token');
    const oldCsrf = client.cookie('csrf');
    clock.advance(60_000);
    const res = await client.post(REFRESH);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.user.id);
    assert.notEqual(client.cookie('refresh_token'), oldRefresh);
    assert.notEqual(client.cookie('csrf'), oldCsrf);
    assert.equal((await client.get('/api/v1/auth/me')).status, 200);

    const replay = await new TestClient(server.url).post(REFRESH, { refreshToken: oldRefresh }, { browser: false });
    assertError(replay, 401, 'REFRESH_TOKEN_REUSED');
  });

  it('reuse of a rotated token revokes the whole session: latest refresh token and current access token die, other sessions live', async () => {
    const { first: victim, second: otherDevice } = await twoSessions();
    const stolen = victim.cookie('refresh_token');
    assert.equal((await victim.post(REFRESH)).status, 200);
    const latestRefresh = victim.cookie('refresh_token');
    const latestAccess = victim.cookie('access_token');
    assert.ok(latestRefresh && latestAccess);

    const thief = new TestClient(server.url);
    assertError(await thief.post(REFRESH, { refreshToken: stolen }, { browser: false }), 401, 'REFRESH_TOKEN_REUSED');

    assertError(await victim.get('/api/v1/auth/me'), 401, 'SESSION_REVOKED');
    assertError(await new TestClient(server.url).get('/api/v1/auth/me', bearer(latestAccess)), 401, 'SESSION_REVOKED');
    assertError(await victim.post(REFRESH), 401, 'UNAUTHENTICATED');
    const latestAgain = await new TestClient(server.url).post(REFRESH, { refreshToken: latestRefresh }, { browser: false });
    assert.equal(latestAgain.status, 401, latestAgain.text);

    assert.equal((await otherDevice.get('/api/v1/auth/me')).status, 200, 'the other session is untouched');
    assert.equal((await otherDevice.post(REFRESH)).status, 200);
  });

  it('reuse through the cookie also answers 401 REFRESH_TOKEN_REUSED and clears the cookies', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const old = client.cookie('refresh_token') ?? '';
    assert.equal((await client.post(REFRESH)).status, 200);
    client.jar.set('refresh_token', { value: old, path: '/api/v1/auth' });
    assertError(await client.post(REFRESH), 401, 'REFRESH_TOKEN_REUSED');
    assert.equal(client.cookie('refresh_token'), undefined);
    assert.equal(client.cookie('access_token'), undefined);
  });

  it('answers 401 UNAUTHENTICATED without any refresh token, and for an unknown one', async () => {
    assertError(await new TestClient(server.url).post(REFRESH), 401, 'UNAUTHENTICATED');
    assertError(await new TestClient(server.url).post(REFRESH, { refreshToken: 'made-up-token' }, { browser: false }), 401, 'UNAUTHENTICATED');
  });

  const refusals: [string, Record<string, string>, string][] = [
    ['no X-CSRF-Token header', { origin: TEST_ORIGIN }, 'CSRF_FAILED'],
    ['a wrong X-CSRF-Token header', { origin: TEST_ORIGIN, 'x-csrf-token': 'not-the-cookie' }, 'CSRF_FAILED'],
    ['no Origin', { 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
    ['Origin: null', { origin: 'null', 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
    ['a foreign Origin', { origin: 'https://evil.example', 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
  ];
  for (const [what, headers, code] of refusals) {
    it(`refuses a cookie refresh with ${what}: 403 ${code}, and the token stays usable`, async () => {
      const client = new TestClient(server.url);
      await registerNewUser(client);
      const csrf = client.cookie('csrf') ?? '';
      const sent = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === '<csrf>' ? csrf : v]));
      assertError(await client.post(REFRESH, undefined, { browser: false, headers: sent }), 403, code);
      assert.equal((await client.post(REFRESH)).status, 200, 'the refused request consumed nothing');
    });
  }

  it('a refresh token expires after 30 days', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const token = client.cookie('refresh_token');
    clock.advance(30 * DAY - 1000);
    const stillValid = await new TestClient(server.url).post(REFRESH, { refreshToken: token }, { browser: false });
    assert.equal(stillValid.status, 200, stillValid.text);

    const late = new TestClient(server.url);
    await registerNewUser(late);
    const lateToken = late.cookie('refresh_token');
    clock.advance(30 * DAY + 1000);
    assertError(await new TestClient(server.url).post(REFRESH, { refreshToken: lateToken }, { browser: false }), 401, 'UNAUTHENTICATED');
  });

  it('a rotated refresh token works until the refreshTokenExpiresAt the server announced for it', async () => {
    const api = new TestClient(server.url);
    const { input } = await registerNewUser(new TestClient(server.url));
    const login = await api.post('/api/v1/auth/token', { username: input.username, password: input.password }, { browser: false });
    clock.advance(29 * DAY);
    const rotated = await api.post(REFRESH, { refreshToken: login.body.refreshToken }, { browser: false });
    assert.equal(rotated.status, 200, rotated.text);
    const announced = Date.parse(rotated.body.refreshTokenExpiresAt);
    clock.advance(announced - clock.now() - 60_000);
    const res = await api.post(REFRESH, { refreshToken: rotated.body.refreshToken }, { browser: false });
    assert.equal(res.status, 200, `announced expiry ${rotated.body.refreshTokenExpiresAt}, refused at ${new Date(clock.now()).toISOString()}: ${res.text}`);
  });
});
