import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient, registerNewUser } from '../testing/httpClient.js';
import { TestStream } from '../realtime/testStream.js';
import { ticketFor } from '../realtime/testSocket.js';
import WebSocket from 'ws';
import { IMMUTABLE_CACHE } from './webApp.js';

/** A built web app as Vite lays it out: index.html, hashed assets with their maps, an unhashed favicon. */
function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-3f2a1b9c.js"></script>');
  const js = Array.from({ length: 400 }, (_, i) => `export function f${i}(a, b) { return a + b * ${i}; }\n`).join('');
  fs.writeFileSync(path.join(dir, 'assets', 'index-3f2a1b9c.js'), `${js}//# sourceMappingURL=index-3f2a1b9c.js.map\n`);
  fs.writeFileSync(path.join(dir, 'assets', 'index-3f2a1b9c.js.map'), JSON.stringify({ version: 3, sources: ['src/main.tsx'], mappings: '' }));
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** The bytes of a response as sent (fetch would decode them), with its headers. */
async function rawGet(url: string, acceptEncoding: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
          bytes: Buffer.concat(chunks),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

for (const production of [false, true]) {
  describe(`web app caching (${production ? 'production' : 'development'})`, () => {
    let server: TestServer;
    let webDir: string;
    before(async () => {
      webDir = fakeBuild();
      const env: Record<string, string> = production ? { NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), PUBLIC_URL: 'https://chat.example.com' } : {};
      server = await startTestServer({ env, webDir });
    });
    after(async () => {
      await server.close();
      fs.rmSync(webDir, { recursive: true, force: true });
    });

    it('hashed assets are cached for a year and immutable; index.html and unhashed files are revalidated', async () => {
      const asset = await fetch(`${server.url}/assets/index-3f2a1b9c.js`);
      assert.equal(asset.status, 200);
      assert.equal(asset.headers.get('cache-control'), IMMUTABLE_CACHE);
      for (const page of ['/', '/login', '/rooms/abc', '/index.html', '/favicon.svg']) {
        const res = await fetch(`${server.url}${page}`);
        assert.equal(res.status, 200, page);
        assert.equal(res.headers.get('cache-control'), 'no-cache', page);
      }
    });

    it(production ? 'source maps are not served (404 in the error format)' : 'source maps a development build left are served', async () => {
      const res = await fetch(`${server.url}/assets/index-3f2a1b9c.js.map`);
      if (production) {
        assert.equal(res.status, 404);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
      } else {
        assert.equal(res.status, 200);
      }
    });
  });
}

describe('compression', () => {
  let server: TestServer;
  let webDir: string;
  before(async () => {
    webDir = fakeBuild();
    server = await startTestServer({ webDir });
  });
  after(async () => {
    await server.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('a large JSON answer comes brotli- or gzip-compressed as asked, and decodes to the same document', async () => {
    const plain = await rawGet(`${server.url}/api/openapi.json`, 'identity');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.ok(plain.bytes.length > 10_000, `the document is large (${plain.bytes.length} bytes)`);
    const br = await rawGet(`${server.url}/api/openapi.json`, 'gzip, deflate, br');
    assert.equal(br.headers.get('content-encoding'), 'br', 'brotli is preferred');
    assert.match(br.headers.get('vary') ?? '', /accept-encoding/i);
    assert.ok(br.bytes.length < plain.bytes.length / 3, `${br.bytes.length} vs ${plain.bytes.length} bytes`);
    assert.deepEqual(zlib.brotliDecompressSync(br.bytes), plain.bytes);
    const gzip = await rawGet(`${server.url}/api/openapi.json`, 'gzip');
    assert.equal(gzip.headers.get('content-encoding'), 'gzip');
    assert.deepEqual(zlib.gunzipSync(gzip.bytes), plain.bytes);
  });

  it('a JS asset comes compressed; small answers (under 1 KiB) are not', async () => {
    const js = await rawGet(`${server.url}/assets/index-3f2a1b9c.js`, 'br, gzip');
    assert.equal(js.headers.get('content-encoding'), 'br');
    assert.equal(js.headers.get('cache-control'), IMMUTABLE_CACHE);
    assert.deepEqual(zlib.brotliDecompressSync(js.bytes), fs.readFileSync(path.join(webDir, 'assets', 'index-3f2a1b9c.js')));
    const health = await rawGet(`${server.url}/health`, 'br, gzip');
    assert.equal(health.headers.get('content-encoding'), null);
    assert.equal(JSON.parse(health.bytes.toString()).status, 'ok');
  });

  it('a compressed request body is not inflated: it is not JSON, so 400 (inflated, it would fail validation instead)', async () => {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', origin: 'http://relaydesk.test' },
      body: zlib.gzipSync(JSON.stringify({ username: 'a', password: 'b' })),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
  });

  it('the SSE stream is not compressed (a compressor would hold events back) and its first frame arrives at once', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const started = Date.now();
    const stream = await TestStream.live(client, {}, { headers: { 'accept-encoding': 'br, gzip' } });
    try {
      assert.equal(stream.res.headers['content-encoding'], undefined);
      assert.equal(stream.ofType('ready').length, 1);
      assert.ok(Date.now() - started < 2000, `ready after ${Date.now() - started} ms`);
    } finally {
      await stream.close();
    }
  });

  it('WebSocket frames stay uncompressed: permessage-deflate offered by the client is not negotiated', async () => {
    const client = new TestClient(server.url);
    await registerNewUser(client);
    const ticket = await ticketFor(client);
    // The ws client offers permessage-deflate by default, as browsers do.
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws?ticket=${ticket}`, { perMessageDeflate: true });
    const extensions = await new Promise<string | undefined>((resolve, reject) => {
      ws.once('upgrade', (res) => resolve(res.headers['sec-websocket-extensions']));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal(extensions, undefined);
    assert.equal(ws.extensions, '');
  });
});
