import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

const SESSIONS = '/api/v1/auth/sessions';
const PASSWORD = '/api/v1/auth/password';

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.ok(res.body.error.requestId, 'requestId');
}

interface SessionView {
  id: string;
  current: boolean;
  userAgent: string | null;
  ip: string | null;
}

describe('sessions and password change', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** One user signed in on a laptop (by registering), a phone (browser login) and a script (bearer). */
  async function userOnThreeDevices() {
    const laptop = new TestClient(server.url);
    const { input, user } = await registerNewUser(laptop);
    const phone = new TestClient(server.url);
    const credentials = { username: input.username, password: input.password };
    assert.equal((await phone.post('/api/v1/auth/login', credentials)).status, 200);
    const token = await new TestClient(server.url).post('/api/v1/auth/token', credentials, { browser: false });
    const script = { browser: false, headers: { authorization: `Bearer ${token.body.accessToken}` } };
    return { laptop, phone, script, input, user, scriptRefresh: token.body.refreshToken as string };
  }

  const list = async (client: TestClient): Promise<SessionView[]> => {
    const res = await client.get(SESSIONS);
    assert.equal(res.status, 200, res.text);
    return res.body.sessions;
  };
  const currentId = async (client: TestClient) => (await list(client)).find((s) => s.current)?.id;
  const login = (username: string, password: string) =>
    new TestClient(server.url).post('/api/v1/auth/login', { username, password });

  it('lists every session of the user, with exactly one marked current', async () => {
    const { laptop, phone } = await userOnThreeDevices();
    const seenByLaptop = await list(laptop);
    assert.equal(seenByLaptop.length, 3);
    assert.equal(seenByLaptop.filter((s) => s.current).length, 1);
    assert.equal(seenByLaptop[0]?.ip, '127.0.0.1');
    const laptopId = await currentId(laptop);
    const phoneId = await currentId(phone);
    assert.ok(laptopId && phoneId);
    assert.notEqual(laptopId, phoneId);
  });

  it('GET /sessions needs authentication', async () => {
    assertError(await new TestClient(server.url).get(SESSIONS), 401, 'UNAUTHENTICATED');
  });

  it('DELETE /sessions/:id ends another session at once: its access and refresh tokens answer 401', async () => {
    const { laptop, phone } = await userOnThreeDevices();
    const phoneId = await currentId(phone);
    const res = await laptop.delete(`${SESSIONS}/${phoneId}`);
    assert.equal(res.status, 204, res.text);
    assertError(await phone.get('/api/v1/auth/me'), 401, 'SESSION_REVOKED');
    assert.equal((await phone.post('/api/v1/auth/refresh')).status, 401);
    assert.ok(!(await list(laptop)).some((s) => s.id === phoneId));
    assert.equal((await laptop.get('/api/v1/auth/me')).status, 200);
  });

  it("answers 404 for another user's session id, and that session keeps working", async () => {
    const mallory = new TestClient(server.url);
    await registerNewUser(mallory);
    const { laptop } = await userOnThreeDevices();
    const victimSession = await currentId(laptop);
    assertError(await mallory.delete(`${SESSIONS}/${victimSession}`), 404, 'NOT_FOUND');
    assert.equal((await laptop.get('/api/v1/auth/me')).status, 200);
  });

  it('answers 404 for an unknown or already revoked session id', async () => {
    const { laptop, phone } = await userOnThreeDevices();
    assertError(await laptop.delete(`${SESSIONS}/00000000-0000-0000-0000-000000000000`), 404, 'NOT_FOUND');
    const phoneId = await currentId(phone);
    assert.equal((await laptop.delete(`${SESSIONS}/${phoneId}`)).status, 204);
    assertError(await laptop.delete(`${SESSIONS}/${phoneId}`), 404, 'NOT_FOUND');
  });

  it('refuses a wrong current password with 401 INVALID_CREDENTIALS and changes nothing', async () => {
    const { laptop, phone, input } = await userOnThreeDevices();
    const res = await laptop.post(PASSWORD, { currentPassword: 'not my password', newPassword: 'a brand new secret' });
    assertError(res, 401, 'INVALID_CREDENTIALS');
    assert.equal((await phone.get('/api/v1/auth/me')).status, 200, 'other sessions untouched');
    assert.equal((await login(input.username, input.password)).status, 200);
  });

  for (const [what, newPassword] of [
    ['too short (7)', '1234567'],
    ['too long (129)', 'p'.repeat(129)],
  ] as const) {
    it(`refuses a new password that is ${what} with 400 VALIDATION_FAILED naming newPassword`, async () => {
      const { laptop, input } = await userOnThreeDevices();
      const res = await laptop.post(PASSWORD, { currentPassword: input.password, newPassword });
      assertError(res, 400, 'VALIDATION_FAILED');
      assert.deepEqual(res.body.error.details.map((d: { field: string }) => d.field), ['newPassword']);
    });
  }

  it('needs the CSRF token when cookie-authenticated', async () => {
    const { laptop, input } = await userOnThreeDevices();
    const res = await laptop.post(PASSWORD, { currentPassword: input.password, newPassword: 'a brand new secret' }, { headers: { 'x-csrf-token': 'forged' } });
    assertError(res, 403, 'CSRF_FAILED');
    assert.equal((await login(input.username, input.password)).status, 200, 'the password is unchanged');
  });

  it('changes the password: 204, other sessions revoked, this one kept, only the new password logs in', async () => {
    const { laptop, phone, script, input, scriptRefresh } = await userOnThreeDevices();
    const res = await laptop.post(PASSWORD, { currentPassword: input.password, newPassword: 'a brand new secret' });
    assert.equal(res.status, 204, res.text);

    assertError(await phone.get('/api/v1/auth/me'), 401, 'SESSION_REVOKED');
    assertError(await new TestClient(server.url).get('/api/v1/auth/me', script), 401, 'SESSION_REVOKED');
    assert.equal((await new TestClient(server.url).post('/api/v1/auth/refresh', { refreshToken: scriptRefresh }, { browser: false })).status, 401);

    assert.equal((await laptop.get('/api/v1/auth/me')).status, 200);
    assert.equal((await laptop.post('/api/v1/auth/refresh')).status, 200, 'the current session can still refresh');
    assert.equal((await list(laptop)).length, 1);

    assertError(await login(input.username, input.password), 401, 'INVALID_CREDENTIALS');
    assert.equal((await login(input.username, 'a brand new secret')).status, 200);
  });
});
