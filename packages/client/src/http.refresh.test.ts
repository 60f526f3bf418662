import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpTransport } from './http.js';
import { SessionEndedError } from './errors.js';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const expired = () => json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired', requestId: 'r' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fake API with rotating Bearer tokens: every refresh issues a new pair and invalidates the old
 * one, as the server does. Protected answers arrive after `delayMs(i)`, so they can come back
 * before, during and after a refresh.
 */
function fakeBearerServer(options: { refreshFails?: boolean; refreshAnswer?: () => Response; delayMs?: (i: number) => number } = {}) {
  let generation = 1;
  let calls = 0;
  const refreshBodies: unknown[] = [];
  const fetch = async (url: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const path = new URL(String(url)).pathname;
    const auth = (init.headers as Record<string, string>).authorization;
    if (path === '/api/v1/auth/refresh') {
      const body = JSON.parse(String(init.body)) as { refreshToken: string };
      refreshBodies.push(body);
      await sleep(5);
      if (options.refreshAnswer) return options.refreshAnswer();
      if (options.refreshFails || body.refreshToken !== `r${generation}`) {
        return json(401, { error: { code: 'REFRESH_TOKEN_REUSED', message: 'reused', requestId: 'r' } });
      }
      generation += 1;
      return json(200, { user: { id: 'u1' }, accessToken: `a${generation}`, refreshToken: `r${generation}` });
    }
    const i = calls++;
    const valid = auth === `Bearer a${generation}`;
    await sleep(options.delayMs?.(i) ?? 0);
    return valid ? json(200, { path, i }) : expired();
  };
  return { fetch: fetch as typeof globalThis.fetch, refreshBodies, generation: () => generation };
}

describe('HttpTransport: one refresh per expiry', () => {
  it('10 concurrent requests that all get 401 cause exactly one refresh and all succeed on retry', async () => {
    // Answers spread over 0–45 ms while the refresh takes 5 ms: some 401s arrive after it finished.
    const server = fakeBearerServer({ delayMs: (i) => (i < 10 ? i * 5 : 0) });
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch: server.fetch });
    http.setTokens({ accessToken: 'a0', refreshToken: 'r1' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => http.request<{ path: string }>('GET', '/api/v1/auth/me')));
    assert.equal(answers.length, 10);
    for (const a of answers) assert.equal(a.path, '/api/v1/auth/me');
    assert.equal(server.refreshBodies.length, 1, 'one POST /api/v1/auth/refresh');
    assert.equal(server.generation(), 2);
  });

  it('withRenewal (uploads over XHR) follows the same rule: one refresh on a 401, then one retry with the new token', async () => {
    const server = fakeBearerServer();
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch: server.fetch });
    http.setTokens({ accessToken: 'a0', refreshToken: 'r1' });
    const seen: string[] = [];
    const answer = await http.withRenewal(async () => {
      const headers = http.authHeaders('POST');
      seen.push(headers.authorization ?? '');
      return http.parseResponse<{ path: string }>(await server.fetch('http://api.test/api/v1/channels/c1/files', { method: 'POST', headers }));
    });
    assert.equal(answer.path, '/api/v1/channels/c1/files');
    assert.deepEqual(seen, ['Bearer a0', 'Bearer a2']);
    assert.equal(server.refreshBodies.length, 1);
  });

  it('bearer mode sends the refresh token in the body and uses the new tokens afterwards', async () => {
    const server = fakeBearerServer();
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch: server.fetch });
    http.setTokens({ accessToken: 'a0', refreshToken: 'r1' });
    await http.request('GET', '/api/v1/workspaces');
    assert.deepEqual(server.refreshBodies, [{ refreshToken: 'r1' }]);
    assert.deepEqual(http.bearerTokens, { accessToken: 'a2', refreshToken: 'r2' });
    await http.request('GET', '/api/v1/workspaces');
    assert.equal(server.refreshBodies.length, 1, 'the new access token is used: no second refresh');
  });

  it('cookie mode refreshes with a bodiless POST carrying the CSRF token, then retries with the new cookies', async () => {
    let cookies = 'csrf=old';
    let refreshed = false;
    const seen: string[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      const path = new URL(url).pathname;
      seen.push(`${init.method} ${path} csrf=${(init.headers as Record<string, string>)['x-csrf-token']} body=${init.body}`);
      if (path === '/api/v1/auth/refresh') {
        refreshed = true;
        cookies = 'csrf=new';
        return json(200, { user: { id: 'u1' } });
      }
      return refreshed ? json(201, { ok: true }) : expired();
    }) as typeof globalThis.fetch;
    const http = new HttpTransport({ baseUrl: 'http://api.test', fetch, readCookies: () => cookies });
    assert.deepEqual(await http.request('POST', '/api/v1/workspaces', { body: { name: 'x' } }), { ok: true });
    assert.deepEqual(seen, [
      'POST /api/v1/workspaces csrf=old body={"name":"x"}',
      'POST /api/v1/auth/refresh csrf=old body=null',
      'POST /api/v1/workspaces csrf=new body={"name":"x"}',
    ]);
  });

  it('a failed refresh ends the session once: onSessionEnded called once, every caller gets SessionEndedError', async () => {
    const server = fakeBearerServer({ refreshFails: true });
    let ended = 0;
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch: server.fetch, onSessionEnded: () => ended++ });
    http.setTokens({ accessToken: 'a0', refreshToken: 'r1' });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => http.request('GET', '/api/v1/auth/me')));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof SessionEndedError, String(r.reason));
      assert.equal(r.reason.status, 401);
    }
    assert.equal(server.refreshBodies.length, 1);
    assert.equal(ended, 1, 'onSessionEnded called once');
    assert.equal(http.bearerTokens, null, 'the tokens are dropped');
  });

  it('a refresh the server could not answer (503, unreachable) does not end the session', async () => {
    const server = fakeBearerServer({ refreshAnswer: () => json(503, { error: { code: 'NOT_READY', message: 'starting', requestId: 'r' } }) });
    let ended = 0;
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch: server.fetch, onSessionEnded: () => ended++ });
    http.setTokens({ accessToken: 'a0', refreshToken: 'r1' });
    await assert.rejects(http.request('GET', '/api/v1/auth/me'), (e: unknown) => !(e instanceof SessionEndedError) && (e as { code: string }).code === 'NOT_READY');
    assert.equal(ended, 0);
    assert.deepEqual(http.bearerTokens, { accessToken: 'a0', refreshToken: 'r1' }, 'the tokens are kept for a later try');
  });

  it('does not refresh when the call itself establishes the session (refreshOn401: false)', async () => {
    const server = fakeBearerServer();
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch: server.fetch });
    http.setTokens({ accessToken: 'a0', refreshToken: 'r1' });
    await assert.rejects(http.request('POST', '/api/v1/auth/login', { body: {}, refreshOn401: false }), { status: 401, code: 'TOKEN_EXPIRED' });
    assert.equal(server.refreshBodies.length, 0);
  });
});
