import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, newUserInput, type TestResponse } from '../../../testing/httpClient.js';

const REGISTER = '/api/v1/auth/register';

function assertError(res: TestResponse, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.requestId, 'requestId');
}

/** Set-Cookie lines by cookie name, attributes lower-cased: { value, path, httponly, ... }. */
function setCookies(res: TestResponse): Map<string, Record<string, string>> {
  const cookies = new Map<string, Record<string, string>>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const parsed: Record<string, string> = { value: pair.slice(eq + 1) };
    for (const attr of attrs) {
      const [k = '', v = 'true'] = attr.split('=');
      parsed[k.toLowerCase()] = v;
    }
    cookies.set(pair.slice(0, eq), parsed);
  }
  return cookies;
}

describe('POST /api/v1/auth/register', () => {
  let server: TestServer;
  const register = (body: unknown) => new TestClient(server.url).post(REGISTER, body);

  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers 201 with the user (no password hash) and sets the three session cookies with the right flags', async () => {
    const input = newUserInput({ displayName: 'Ada Lovelace' });
    const res = await register(input);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body.user).sort(), ['createdAt', 'displayName', 'email', 'id', 'username']);
    assert.equal(res.body.user.username, input.username);
    assert.equal(res.body.user.displayName, 'Ada Lovelace');
    assert.doesNotMatch(res.text, /password|argon2/i);

    const cookies = setCookies(res);
    const access = cookies.get('access_token');
    const refresh = cookies.get('refresh_token');
    const csrf = cookies.get('csrf');
    assert.ok(access && refresh && csrf, `cookies: ${[...cookies.keys()].join(', ')}`);
    assert.equal(access.httponly, 'true');
    assert.equal(access.path, '/');
    assert.ok(Math.abs(Number(access['max-age']) - 15 * 60) <= 1, `access Max-Age ${access['max-age']}`);
    assert.equal(refresh.httponly, 'true');
    assert.equal(refresh.path, '/api/v1/auth');
    assert.ok(Math.abs(Number(refresh['max-age']) - 30 * 24 * 60 * 60) <= 1, `refresh Max-Age ${refresh['max-age']}`);
    assert.equal(csrf.httponly, undefined, 'the web app must be able to read the csrf cookie');
    assert.ok((csrf.value ?? '').length >= 32);
    for (const c of [access, refresh, csrf]) {
      assert.equal(c.samesite?.toLowerCase(), 'lax');
      assert.equal(c.secure, undefined, 'no Secure over plain http in the test environment');
    }
  });

  it('signs the new user in: /me answers with the same user', async () => {
    const client = new TestClient(server.url);
    const created = await client.post(REGISTER, newUserInput());
    const me = await client.get('/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.user, created.body.user);
  });

  it('stores the username lower-case and defaults displayName to it', async () => {
    const res = await register(newUserInput({ username: 'Mixed_CASE_Name' }));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.user.username, 'mixed_case_name');
    assert.equal(res.body.user.displayName, 'mixed_case_name');
  });

  it('trims a given displayName', async () => {
    const res = await register(newUserInput({ displayName: '  Grace  ' }));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.user.displayName, 'Grace');
  });

  const accepted: [string, Parameters<typeof newUserInput>[0]][] = [
    ['a 3-character username', { username: 'ab3' }],
    ['a 30-character username', { username: 'u'.repeat(30) }],
    ['an 8-character password', { password: '12345678' }],
    ['a 128-character password', { password: 'p'.repeat(128) }],
    ['a 64-character displayName', { displayName: 'd'.repeat(64) }],
  ];
  for (const [what, overrides] of accepted) {
    it(`accepts ${what}`, async () => {
      assert.equal((await register(newUserInput(overrides))).status, 201);
    });
  }

  const rejected: [string, string, Record<string, unknown>][] = [
    ['a 2-character username', 'username', { username: 'ab' }],
    ['a 31-character username', 'username', { username: 'u'.repeat(31) }],
    ['a username with a hyphen', 'username', { username: 'a-b' }],
    ['a username with a space', 'username', { username: 'ab cd' }],
    ['a username with non-ASCII letters', 'username', { username: 'jösé' }],
    ['a missing username', 'username', { username: undefined }],
    ['a 7-character password', 'password', { password: '1234567' }],
    ['a 129-character password', 'password', { password: 'p'.repeat(129) }],
    ['a missing password', 'password', { password: undefined }],
    ['an email without @', 'email', { email: 'not-an-email' }],
    ['an email without a dot in the domain', 'email', { email: 'a@localhost' }],
    ['an email with a space', 'email', { email: 'a b@example.com' }],
    ['an email longer than 254 characters', 'email', { email: `${'e'.repeat(243)}@example.com` }],
    ['a missing email', 'email', { email: undefined }],
    ['an empty displayName', 'displayName', { displayName: '' }],
    ['a blank displayName', 'displayName', { displayName: '   ' }],
    ['a 65-character displayName', 'displayName', { displayName: 'd'.repeat(65) }],
    ['a displayName with a control character', 'displayName', { displayName: 'bell\u0007' }],
    ['a displayName with a newline', 'displayName', { displayName: 'two\nlines' }],
    ['an unknown extra field', 'isAdmin', { isAdmin: true }],
    // JSON types are part of the contract: a number or an array is not a string.
    ['a numeric password', 'password', { password: 12345678 }],
    ['an array as username', 'username', { username: ['arrayname'] }],
  ];
  for (const [what, field, overrides] of rejected) {
    it(`rejects ${what} with 400 VALIDATION_FAILED naming ${field}`, async () => {
      const input = { ...newUserInput(), ...overrides };
      const res = await register(input);
      assertError(res, 400, 'VALIDATION_FAILED');
      assert.ok(
        res.body.error.details.some((d: { field: string }) => d.field === field),
        `details: ${JSON.stringify(res.body.error.details)}`,
      );
      const login = await new TestClient(server.url).post('/api/v1/auth/login', { username: input.email, password: input.password });
      assert.notEqual(login.status, 200, 'a rejected registration must not create the account');
    });
  }

  it('rejects a request without a body with 400 naming the body', async () => {
    const res = await new TestClient(server.url).request('POST', REGISTER);
    assertError(res, 400, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.error.details, [{ field: 'body', message: 'must be object' }]);
  });

  it('rejects an empty or malformed JSON body with 400 BAD_REQUEST', async () => {
    const json = { 'content-type': 'application/json' };
    assertError(await new TestClient(server.url).request('POST', REGISTER, { raw: '', headers: json }), 400, 'BAD_REQUEST');
    assertError(await new TestClient(server.url).request('POST', REGISTER, { raw: '{"username":', headers: json }), 400, 'BAD_REQUEST');
  });

  it('rejects non-JSON bodies (form posts, plain text) with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const input = newUserInput();
    const form = new URLSearchParams(input).toString();
    const asForm = { raw: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    assertError(await new TestClient(server.url).request('POST', REGISTER, asForm), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const asText = { raw: JSON.stringify(input), headers: { 'content-type': 'text/plain' } };
    assertError(await new TestClient(server.url).request('POST', REGISTER, asText), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('creates nothing when registration fails: the same username can then register', async () => {
    const input = newUserInput();
    assertError(await register({ ...input, email: 'broken' }), 400, 'VALIDATION_FAILED');
    assert.equal((await register(input)).status, 201);
  });

  it('refuses a taken username, in any case, with 409 USERNAME_TAKEN', async () => {
    const first = newUserInput({ username: 'taken_name' });
    assert.equal((await register(first)).status, 201);
    for (const username of ['taken_name', 'TAKEN_Name']) {
      const res = await register(newUserInput({ username }));
      assertError(res, 409, 'USERNAME_TAKEN');
      assert.deepEqual(res.body.error.details?.map((d: { field: string }) => d.field), ['username']);
    }
  });

  it('refuses an email differing only in case with 409 EMAIL_TAKEN and creates nothing', async () => {
    const first = newUserInput({ email: 'Someone.Else@Example.com' });
    assert.equal((await register(first)).status, 201);
    const second = newUserInput({ email: 'someone.else@EXAMPLE.COM' });
    assertError(await register(second), 409, 'EMAIL_TAKEN');
    assert.equal((await register({ ...second, email: 'fresh.address@example.com' })).status, 201);
  });
});
