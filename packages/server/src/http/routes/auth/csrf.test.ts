import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ORIGIN, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, newUserInput, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

const FOREIGN = 'https://evil.example';

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.ok(res.body.error.requestId, 'requestId');
}

/**
 * Headers for a cookie-authenticated write; '<csrf>' stands for the client's real csrf cookie.
 * `browser: false` stops the client from adding its own Origin and X-CSRF-Token.
 */
const refusals: [string, Record<string, string>, string][] = [
  ['no X-CSRF-Token header', { origin: TEST_ORIGIN }, 'CSRF_FAILED'],
  ['a wrong X-CSRF-Token', { origin: TEST_ORIGIN, 'x-csrf-token': 'guessed' }, 'CSRF_FAILED'],
  ['an empty X-CSRF-Token', { origin: TEST_ORIGIN, 'x-csrf-token': '' }, 'CSRF_FAILED'],
  ['the right token but a foreign Origin', { origin: FOREIGN, 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
  ['the right token but an Origin that only starts like ours', { origin: `${TEST_ORIGIN}.evil.example`, 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
  ['the right token but no Origin', { 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
  ['the right token but Origin: null', { origin: 'null', 'x-csrf-token': '<csrf>' }, 'ORIGIN_FORBIDDEN'],
];

describe('CSRF and Origin checks', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const headersFor = (client: TestClient, headers: Record<string, string>) => ({
    browser: false,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v === '<csrf>' ? (client.cookie('csrf') ?? '') : v])),
  });

  for (const [what, headers, code] of refusals) {
    it(`POST /ws-ticket with the session cookie and ${what} → 403 ${code}`, async () => {
      const client = new TestClient(server.url);
      await registerNewUser(client);
      assertError(await client.post('/api/v1/auth/ws-ticket', undefined, headersFor(client, headers)), 403, code);
      assert.equal((await client.post('/api/v1/auth/ws-ticket')).status, 200, 'with the right token and Origin it works');
    });

    it(`DELETE /sessions/:id with the session cookie and ${what} → 403 ${code}, and the session survives`, async () => {
      const client = new TestClient(server.url);
      const { input } = await registerNewUser(client);
      const other = new TestClient(server.url);
      await other.post('/api/v1/auth/login', { username: input.username, password: input.password });
      const otherId = (await other.get('/api/v1/auth/sessions')).body.sessions.find((s: { current: boolean }) => s.current).id;
      assertError(await client.delete(`/api/v1/auth/sessions/${otherId}`, headersFor(client, headers)), 403, code);
      assert.equal((await other.get('/api/v1/auth/me')).status, 200);
    });
  }

  it('GET requests need no CSRF token nor Origin', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    assert.equal((await client.get('/api/v1/auth/me', { browser: false })).status, 200);
    assert.equal((await client.get('/api/v1/auth/sessions', { browser: false })).status, 200);
  });

  it('the csrf token is not the session: a token from another session is refused', async () => {
    const alice = new TestClient(server.url);
    await registerNewUser(alice);
    const mallory = new TestClient(server.url);
    await registerNewUser(mallory);
    const res = await alice.post('/api/v1/auth/ws-ticket', undefined, { headers: { 'x-csrf-token': mallory.cookie('csrf') ?? '' } });
    assertError(res, 403, 'CSRF_FAILED');
  });

  it('login from a foreign Origin → 403 ORIGIN_FORBIDDEN and no cookies', async () => {
    const { input } = await registerNewUser(new TestClient(server.url));
    const client = new TestClient(server.url, FOREIGN);
    assertError(await client.post('/api/v1/auth/login', { username: input.username, password: input.password }), 403, 'ORIGIN_FORBIDDEN');
    assert.equal(client.jar.size, 0);
    assertError(await client.post('/api/v1/auth/login', { username: input.username, password: input.password }, { headers: { origin: 'null' } }), 403, 'ORIGIN_FORBIDDEN');
  });

  it('login without an Origin (a server-side client) → 200', async () => {
    const { input } = await registerNewUser(new TestClient(server.url));
    const res = await new TestClient(server.url).post('/api/v1/auth/login', { username: input.username, password: input.password }, { browser: false });
    assert.equal(res.status, 200, res.text);
  });

  it('registration from a foreign Origin → 403 ORIGIN_FORBIDDEN and creates nothing', async () => {
    const input = newUserInput();
    assertError(await new TestClient(server.url, FOREIGN).post('/api/v1/auth/register', input), 403, 'ORIGIN_FORBIDDEN');
    assert.equal((await new TestClient(server.url).post('/api/v1/auth/register', input)).status, 201);
  });

  it('bearer-authenticated writes need neither CSRF token nor Origin', async () => {
    const { input } = await registerNewUser(new TestClient(server.url));
    const api = new TestClient(server.url);
    const tokens = await api.post('/api/v1/auth/token', { username: input.username, password: input.password }, { browser: false });
    const res = await api.post('/api/v1/auth/ws-ticket', undefined, { browser: false, headers: { authorization: `Bearer ${tokens.body.accessToken}` } });
    assert.equal(res.status, 200, res.text);
  });
});
