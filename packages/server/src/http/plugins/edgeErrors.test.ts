import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { securityHeaders } from './security.js';
import { startTestServer, type TestServer } from '../../testing/testServer.js';
import { rawRequest, type RawResponse } from '../../testing/rawHttp.js';

/** Put into each hostile request; it must never come back. */
const MARKER = 'zq7marker';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The error contract, checked on bytes off the wire: status, JSON body, request id, headers, no echo, closed. */
function assertProductError(res: RawResponse, status: number, code: string, server: TestServer, where: string): void {
  assert.equal(res.status, status, `${where}: ${res.text.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, where);
  const body = JSON.parse(res.body) as { error: { code: string; message: string; requestId: string } };
  assert.equal(body.error.code, code, where);
  assert.ok(body.error.message.length > 0, where);
  assert.match(body.error.requestId, UUID, where);
  assert.equal(res.headers['x-request-id'], body.error.requestId, where);
  for (const [name, value] of Object.entries(securityHeaders(server.config))) {
    assert.equal(res.headers[name.toLowerCase()], value, `${where}: ${name}`);
  }
  assert.ok(!res.text.includes(MARKER), `${where}: the input is not echoed: ${res.text}`);
  assert.equal(Buffer.byteLength(res.body), Number(res.headers['content-length']), `${where}: the body is complete`);
}

const request = (head: string) => [`${head}\r\n\r\n`];

describe('router- and parser-level refusals follow the error contract', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('a path parameter over the router limit is 414 URI_TOO_LONG, and the path is not quoted', async () => {
    const res = await rawRequest(server.url, request(`GET /api/v1/channels/${MARKER}${'a'.repeat(600)}/messages HTTP/1.1\r\nHost: x\r\nConnection: close`));
    assertProductError(res, 414, 'URI_TOO_LONG', server, '414');
  });

  it('bad percent-encoding is 400 BAD_REQUEST, on API routes and on static files alike', async () => {
    for (const path of [`/api/v1/channels/${MARKER}%E0%A4%A/messages`, `/assets/${MARKER}%E0%A4%A`]) {
      const res = await rawRequest(server.url, request(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close`));
      assertProductError(res, 400, 'BAD_REQUEST', server, path);
    }
  });

  it('an HTTP/1.1 request without Host is 400 BAD_REQUEST with a body (Node would send an empty one)', async () => {
    const res = await rawRequest(server.url, request(`GET /health?${MARKER} HTTP/1.1\r\nConnection: close`));
    assertProductError(res, 400, 'BAD_REQUEST', server, 'no Host');
    const http10 = await rawRequest(server.url, request('GET /health HTTP/1.0'));
    assert.equal(http10.status, 200, 'HTTP/1.0 has no Host requirement');
  });

  it('a method the parser does not know is 405 METHOD_NOT_ALLOWED with Allow; a line that is not HTTP is 400', async () => {
    const res = await rawRequest(server.url, request(`${MARKER.toUpperCase()}X /health HTTP/1.1\r\nHost: x`));
    assertProductError(res, 405, 'METHOD_NOT_ALLOWED', server, 'unknown method');
    assert.match(res.headers.allow ?? '', /GET/);
    const noise = await rawRequest(server.url, [`${MARKER} hello\r\n\r\n`]);
    assertProductError(noise, 400, 'BAD_REQUEST', server, 'noise');
  });

  it('headers over 16 KiB are 431 HEADERS_TOO_LARGE', async () => {
    const res = await rawRequest(server.url, request(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${MARKER}${'a'.repeat(20_000)}`));
    assertProductError(res, 431, 'HEADERS_TOO_LARGE', server, '431');
  });

  it('malformed framing (Content-Length with chunked, a bad header line) is 400 BAD_REQUEST', async () => {
    const both = await rawRequest(server.url, request(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\nX-M: ${MARKER}`));
    assertProductError(both, 400, 'BAD_REQUEST', server, 'CL+TE');
    const badHeader = await rawRequest(server.url, request(`GET /health HTTP/1.1\r\nHost: x\r\n${MARKER} no colon`));
    assertProductError(badHeader, 400, 'BAD_REQUEST', server, 'bad header line');
  });

  it('404, malformed JSON and a refused content type do not quote the path, the body or the header back', async () => {
    const notFound = await rawRequest(server.url, request(`GET /${MARKER}/<script>?${MARKER}=1 HTTP/1.1\r\nHost: x\r\nConnection: close`));
    assertProductError(notFound, 404, 'NOT_FOUND', server, '404');
    const body = `{"username":"${MARKER}`;
    const badJson = await rawRequest(server.url, [
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ]);
    assertProductError(badJson, 400, 'BAD_REQUEST', server, 'bad JSON');
    const type = `application/x-${MARKER}`;
    const badType = await rawRequest(server.url, [
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${type}\r\nContent-Length: 2\r\n\r\n{}`,
    ]);
    assertProductError(badType, 415, 'UNSUPPORTED_MEDIA_TYPE', server, '415');
  });

  it('an unknown Expect is ignored rather than answered with a bare 417; CONNECT is 405, not a silent drop', async () => {
    const expect = await rawRequest(server.url, request('GET /health HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close'));
    assert.equal(expect.status, 200, expect.text);
    assert.equal(JSON.parse(expect.body).status, 'ok');
    const connect = await rawRequest(server.url, request(`CONNECT ${MARKER}.example:443 HTTP/1.1\r\nHost: ${MARKER}.example:443`));
    assertProductError(connect, 405, 'METHOD_NOT_ALLOWED', server, 'CONNECT');
  });

  it('upgrade requests the gateway will not take are refused in the error format (ws would answer bare text)', async () => {
    const handshake = (line: string, extra: string) =>
      request(`${line}\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}`);
    const ws = 'Upgrade: websocket\r\nSec-WebSocket-Version: 13';
    const cases: [string, string[], number, string][] = [
      ['another path', handshake(`GET /api/${MARKER} HTTP/1.1`, ws), 404, 'NOT_FOUND'],
      ['not GET', handshake('POST /ws HTTP/1.1', `${ws}\r\nContent-Length: 0`), 405, 'METHOD_NOT_ALLOWED'],
      ['not websocket', handshake('GET /ws HTTP/1.1', `Upgrade: ${MARKER}\r\nSec-WebSocket-Version: 13`), 400, 'BAD_REQUEST'],
      ['bad key', request(`GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n${ws}\r\nSec-WebSocket-Key: ${MARKER}`), 400, 'BAD_REQUEST'],
      ['old version', handshake('GET /ws HTTP/1.1', `Upgrade: websocket\r\nSec-WebSocket-Version: 7`), 400, 'BAD_REQUEST'],
      ['bad subprotocol', handshake('GET /ws HTTP/1.1', `${ws}\r\nSec-WebSocket-Protocol: a b ${MARKER}`), 400, 'BAD_REQUEST'],
    ];
    for (const [where, chunks, status, code] of cases) {
      assertProductError(await rawRequest(server.url, chunks), status, code, server, where);
    }
    const old = await rawRequest(server.url, cases[4]![1]);
    assert.equal(old.headers['sec-websocket-version'], '13, 8', 'names the versions it speaks');
  });

  it('a raw refusal closes the connection itself, even when the peer never closes its side', async () => {
    // Only the server's side of the socket can show it: a half-open peer that neither writes nor
    // closes would learn nothing until it wrote.
    const serverSide = new Promise<number>((resolve) =>
      server.app.server.once('connection', (socket: net.Socket) => {
        const opened = Date.now();
        socket.once('close', () => resolve(Date.now() - opened));
      }),
    );
    const peer = net.connect({ port: Number(new URL(server.url).port), host: '127.0.0.1', allowHalfOpen: true });
    let answer = '';
    peer.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    peer.on('error', () => {});
    peer.write('BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n');
    try {
      const closedAfterMs = await Promise.race([serverSide, new Promise<number>((r) => setTimeout(() => r(Infinity), 5000))]);
      assert.match(answer, /^HTTP\/1\.1 405 /);
      assert.ok(closedAfterMs < 2500, `the server closed its socket after ${closedAfterMs} ms`);
    } finally {
      peer.destroy();
    }
  });
});

describe('during shutdown', () => {
  it('a request (here /ready) that arrives after close() began is 503 SHUTTING_DOWN in the error format, with Connection: close', async () => {
    const server = await startTestServer();
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const until = async (pattern: RegExp) => {
      for (let i = 0; i < 500 && !pattern.test(received); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(received, pattern);
    };
    // A keep-alive connection that has started its next request is not idle, so close() waits for it.
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(/"status":"ok"/);
    received = '';
    // /ready in particular: a load balancer probing over a kept-alive connection sees 503 at once.
    socket.write('GET /ready HTTP/1.1\r\n');
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 100));
    socket.write('Host: x\r\n\r\n');
    await closedSocket;
    await closing;
    const [head = '', body = ''] = received.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 503 /);
    assert.match(head, /\r\nconnection: close/i);
    assert.match(head, /\r\nretry-after: 1/i);
    assert.match(head, /\r\ncontent-security-policy: default-src 'self'/i);
    const parsed = JSON.parse(body) as { error: { code: string; requestId: string } };
    assert.equal(parsed.error.code, 'SHUTTING_DOWN');
    assert.match(parsed.error.requestId, UUID);
  });
});
