import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import { ManualClock } from '../../../clock.js';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser, type TestResponse } from '../../../testing/httpClient.js';

const ME = '/api/v1/auth/me';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hs256 = (input: string, secret: string) => createHmac('sha256', secret).update(input).digest('base64url');

function assertUnauthorized(res: TestResponse, code = 'UNAUTHENTICATED'): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.requestId, 'requestId');
  assert.equal(res.headers.get('x-request-id'), res.body.error.requestId);
}

describe('access tokens', () => {
  let server: TestServer;
  const clock = new ManualClock();
  const withAuthorization = (value: string) => new TestClient(server.url).get(ME, { browser: false, headers: { authorization: value } });
  const withBearer = (token: string) => withAuthorization(`Bearer ${token}`);

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.close());

  /** A fresh user's bearer token and its decoded claims. */
  async function issued() {
    const { input, user } = await registerNewUser(new TestClient(server.url));
    const res = await new TestClient(server.url).post('/api/v1/auth/token', { username: input.username, password: input.password }, { browser: false });
    const token: string = res.body.accessToken;
    return { token, user, claims: decodeJwt(token) };
  }

  /** Signs claims like the server does, with a chosen key and algorithm. */
  const sign = (claims: Record<string, unknown>, secret: string, alg = 'HS256') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuedAt(Math.floor(clock.now() / 1000))
      .setExpirationTime(Math.floor(clock.now() / 1000) + 600)
      .sign(new TextEncoder().encode(secret));

  it('is an HS256 JWT for the user and the session that expires 15 minutes after issue', async () => {
    const { token, user, claims } = await issued();
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).alg, 'HS256');
    assert.equal(claims.sub, user.id);
    assert.equal(typeof claims.sid, 'string');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 15 * 60);
    assert.equal((await withBearer(token)).status, 200);
  });

  it('works until it expires, then answers 401 TOKEN_EXPIRED (cookie and bearer alike)', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const token = client.cookie('access_token') ?? '';
    clock.advance(15 * 60 * 1000 - 2000);
    assert.equal((await client.get(ME)).status, 200);
    clock.advance(3000);
    assertUnauthorized(await client.get(ME), 'TOKEN_EXPIRED');
    assertUnauthorized(await withBearer(token), 'TOKEN_EXPIRED');
    assert.equal((await client.post('/api/v1/auth/refresh')).status, 200, 'a refresh brings a fresh one');
    assert.equal((await client.get(ME)).status, 200);
  });

  it("refuses a token whose payload was changed (another user's sub) under the original signature", async () => {
    const victim = await issued();
    const attacker = await issued();
    const [header, , signature] = attacker.token.split('.');
    const forged = `${header}.${b64({ ...attacker.claims, sub: victim.user.id })}.${signature}`;
    assertUnauthorized(await withBearer(forged));
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const { claims } = await issued();
    assertUnauthorized(await withBearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`));
    assertUnauthorized(await withBearer(`${b64({ alg: 'none' })}.${b64(claims)}`));
  });

  it('refuses a token signed with another secret', async () => {
    const { claims } = await issued();
    assertUnauthorized(await withBearer(await sign(claims, 'some-other-secret-0123456789abcdef')));
  });

  it('refuses algorithm substitution: HS512 with the right secret, RS256 header over an HMAC signature', async () => {
    const { claims } = await issued();
    assertUnauthorized(await withBearer(await sign(claims, server.config.jwtSecret, 'HS512')));
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
    assertUnauthorized(await withBearer(`${input}.${hs256(input, server.config.jwtSecret)}`));
  });

  it('refuses a token signed with the real secret but for another issuer or audience, or without a session id', async () => {
    const { claims } = await issued();
    const secret = server.config.jwtSecret;
    assert.equal((await withBearer(await sign(claims, secret))).status, 200, 'control: the same claims, well signed, pass');
    assertUnauthorized(await withBearer(await sign({ ...claims, iss: 'someone-else' }, secret)));
    assertUnauthorized(await withBearer(await sign({ ...claims, aud: 'another-api' }, secret)));
    assertUnauthorized(await withBearer(await sign({ ...claims, sid: undefined }, secret)));
  });

  it('refuses a well-signed token for a session that does not exist with 401 SESSION_REVOKED', async () => {
    const { claims } = await issued();
    assertUnauthorized(await withBearer(await sign({ ...claims, sid: randomUUID() }, server.config.jwtSecret)), 'SESSION_REVOKED');
  });

  it('refuses garbage tokens', async () => {
    for (const token of ['garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9..', '...']) assertUnauthorized(await withBearer(token));
  });

  it('refuses a malformed Authorization header', async () => {
    const { token } = await issued();
    for (const value of ['Bearer', 'Bearer ', `Basic ${token}`, `Bearer ${token} extra`, `Token ${token}`, token]) {
      assertUnauthorized(await withAuthorization(value));
    }
  });

  it('refuses a tampered access cookie', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const [header, payload = '', signature] = (client.cookie('access_token') ?? '').split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    client.jar.set('access_token', { value: `${header}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${signature}`, path: '/' });
    assertUnauthorized(await client.get(ME));
  });
});
