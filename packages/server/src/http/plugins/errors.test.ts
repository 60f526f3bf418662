import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Limits } from '@relaydesk/protocol';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { TestClient, registerNewUser } from '../../testing/httpClient.js';

/** A login body of exactly `bytes` bytes of JSON. */
function loginBodyOfSize(bytes: number): string {
  const skeleton = JSON.stringify({ username: '', password: 'pw' });
  return JSON.stringify({ username: 'a'.repeat(bytes - skeleton.length), password: 'pw' });
}

function assertErrorShape(res: { body: any; headers: Headers }, code: string): void {
  assert.equal(res.body.error.code, code);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
  assert.equal(res.body.error.requestId, res.headers.get('x-request-id'));
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
}

describe('error responses', () => {
  let server: TestServer;
  let client: TestClient;
  before(async () => {
    server = await startTestServer();
    client = new TestClient(server.url);
  });
  after(() => server.close());

  it('404 for an unknown route has the JSON error shape', async () => {
    const res = await client.get('/api/v1/nope?x=1');
    assert.equal(res.status, 404);
    assertErrorShape(res, 'NOT_FOUND');
    assert.doesNotMatch(res.body.error.message, /x=1/, 'the query string is not echoed');
  });

  it('a JSON body of exactly 1 MB is read; one byte more is 413', async () => {
    const atLimit = loginBodyOfSize(Limits.jsonBodyBytes);
    assert.equal(Buffer.byteLength(atLimit), Limits.jsonBodyBytes);
    const ok = await client.request('POST', '/api/v1/auth/login', { raw: atLimit, headers: { 'content-type': 'application/json' } });
    assert.equal(ok.status, 400, 'parsed, then refused by validation (username too long)');
    assertErrorShape(ok, 'VALIDATION_FAILED');

    const over = await client.request('POST', '/api/v1/auth/login', {
      raw: loginBodyOfSize(Limits.jsonBodyBytes + 1),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(over.status, 413);
    assertErrorShape(over, 'PAYLOAD_TOO_LARGE');
  });

  it('malformed JSON is 400 and an unsupported content type is 415, both in the error shape', async () => {
    const bad = await client.request('POST', '/api/v1/auth/login', { raw: '{"username":', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assertErrorShape(bad, 'BAD_REQUEST');
    const text = await client.request('POST', '/api/v1/auth/login', { raw: 'username=a', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
    assertErrorShape(text, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('validation errors name every offending field', async () => {
    const res = await client.post('/api/v1/auth/register', { email: 'nope', username: 'x', password: 'short', extra: 1 });
    assert.equal(res.status, 400);
    assertErrorShape(res, 'VALIDATION_FAILED');
    const fields = new Set(res.body.error.details.map((d: { field: string }) => d.field));
    for (const f of ['email', 'username', 'password', 'extra']) assert.ok(fields.has(f), `${f} in ${[...fields].join(',')}`);
  });

  it('keeps a well-formed X-Request-Id and replaces one that could forge log lines', async () => {
    const kept = await client.get('/nope', { headers: { 'x-request-id': 'trace-42.abc' } });
    assert.equal(kept.headers.get('x-request-id'), 'trace-42.abc');
    assert.equal(kept.body.error.requestId, 'trace-42.abc');
    const replaced = await client.get('/nope', { headers: { 'x-request-id': 'a b"\\' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'a b"\\');
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('an internal failure answers 500 without stack, SQL or driver details', async () => {
    const doomed = await startTestServer();
    try {
      const c = new TestClient(doomed.url);
      await registerNewUser(c);
      await doomed.storage.close();
      const res = await c.get('/api/v1/auth/me');
      assert.equal(res.status, 500);
      assertErrorShape(res, 'INTERNAL');
      assert.doesNotMatch(res.text, /sqlite|select|stack|at \w+ \(/i);
    } finally {
      await doomed.app.close();
    }
  });

  it('times out requests after 30 s (configured on the server)', () => {
    assert.equal(server.app.server.requestTimeout, Limits.requestTimeoutMs);
    assert.equal(server.app.initialConfig.bodyLimit, Limits.jsonBodyBytes);
  });
});
