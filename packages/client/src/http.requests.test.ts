import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HttpTransport } from './http.js';
import { ApiError } from './errors.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

function recordingFetch(answer: () => Response = () => new Response(null, { status: 204 })) {
  const seen: Seen[] = [];
  const fetch = async (url: string | URL | Request, init: RequestInit = {}) => {
    seen.push({ method: String(init.method), url: String(url), headers: init.headers as Record<string, string>, body: init.body });
    return answer();
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

describe('HttpTransport: requests', () => {
  it('cookie mode echoes the csrf cookie in X-CSRF-Token on unsafe methods only', async () => {
    const { fetch, seen } = recordingFetch();
    const http = new HttpTransport({ baseUrl: 'http://api.test', fetch, readCookies: () => 'theme=dark; csrf=abc%2F123; other=1' });
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) await http.request(method, '/api/v1/x');
    const csrf = Object.fromEntries(seen.map((s) => [s.method, s.headers['x-csrf-token']]));
    assert.deepEqual(csrf, { GET: undefined, HEAD: undefined, POST: 'abc/123', PUT: 'abc/123', PATCH: 'abc/123', DELETE: 'abc/123' });
    for (const s of seen) assert.equal(s.headers.authorization, undefined, 'no bearer header in cookie mode');
  });

  it('bearer mode authenticates with the header and sends no CSRF token', async () => {
    const { fetch, seen } = recordingFetch();
    const http = new HttpTransport({ baseUrl: 'http://api.test', auth: 'bearer', fetch, readCookies: () => 'csrf=abc' });
    http.setTokens({ accessToken: 'tok', refreshToken: 'ref' });
    await http.request('POST', '/api/v1/x', { body: { a: 1 } });
    assert.equal(seen[0]!.headers.authorization, 'Bearer tok');
    assert.equal(seen[0]!.headers['x-csrf-token'], undefined);
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.equal(seen[0]!.body, '{"a":1}');
  });

  it('builds the query string, skipping undefined values', async () => {
    const { fetch, seen } = recordingFetch();
    const http = new HttpTransport({ baseUrl: 'http://api.test', fetch });
    await http.request('GET', '/api/v1/channels/c1/events', { query: { after: 5, limit: undefined, q: 'a b' } });
    assert.equal(seen[0]!.url, 'http://api.test/api/v1/channels/c1/events?after=5&q=a+b');
  });

  it('an error answer becomes an ApiError with code, status, message, requestId, details and retryAfter', async () => {
    const body = {
      error: { code: 'VALIDATION_FAILED', message: 'bad', requestId: 'req-1', details: [{ field: '/username', message: 'too short' }] },
    };
    const { fetch } = recordingFetch(() => new Response(JSON.stringify(body), { status: 400 }));
    const http = new HttpTransport({ baseUrl: 'http://api.test', fetch });
    const error = await http.request('POST', '/api/v1/auth/register', { body: {} }).then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(error.message, 'bad');
    assert.equal(error.requestId, 'req-1');
    assert.deepEqual(error.details, body.error.details);
    assert.equal(error.fieldMessage('username'), 'too short');
    assert.equal(error.retryAfterMs, null);
  });

  it('a 429 carries Retry-After in milliseconds', async () => {
    const body = { error: { code: 'RATE_LIMITED', message: 'slow down', requestId: 'req-2' } };
    const { fetch } = recordingFetch(() => new Response(JSON.stringify(body), { status: 429, headers: { 'retry-after': '7' } }));
    const http = new HttpTransport({ baseUrl: 'http://api.test', fetch });
    await assert.rejects(http.request('GET', '/api/v1/x'), { name: 'ApiError', status: 429, code: 'RATE_LIMITED', retryAfterMs: 7000 });
  });

  it('an unreachable server is NETWORK_ERROR (status 0); a non-JSON error keeps its status', async () => {
    const down = new HttpTransport({ fetch: (async () => Promise.reject(new TypeError('fetch failed'))) as typeof fetch });
    await assert.rejects(down.request('GET', '/x'), { status: 0, code: 'NETWORK_ERROR' });
    const proxy = new HttpTransport({ fetch: (async () => new Response('<html>Bad gateway</html>', { status: 502 })) as typeof fetch });
    await assert.rejects(proxy.request('GET', '/x'), { status: 502, code: 'INTERNAL' });
  });
});
