import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { freePort } from '../testing/freePort.js';
import { TEST_TLS_CERT, TEST_TLS_HOST, TEST_TLS_KEY } from './testTls.js';
import {
  createOutboundClient,
  isOutboundError,
  pinnedLookup,
  type OutboundErrorCode,
  type Resolver,
} from './outboundClient.js';

interface Peer {
  port: number;
  hits: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; localAddress: string }[];
  close(): Promise<void>;
}

/** A real HTTP server on a loopback address, recording every request it receives. */
async function startPeer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  host = '127.0.0.1',
  port = 0,
): Promise<Peer> {
  const hits: Peer['hits'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        localAddress: req.socket.localAddress ?? '',
      });
      handler(req, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function rejectsWith(promise: Promise<unknown>, code: OutboundErrorCode, check?: (e: any) => void): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isOutboundError(e), `expected an OutboundError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.message.length > 10, 'a human message');
    check?.(e);
    return true;
  });
}

const ok = (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello');
};

describe('refused by default', () => {
  let peer: Peer;
  before(async () => {
    peer = await startPeer(ok);
  });
  after(() => peer.close());

  test('every spelling of loopback is refused, and nothing reaches the server', async () => {
    const client = createOutboundClient();
    const p = peer.port;
    const cases: [string, string][] = [
      [`http://127.0.0.1:${p}/`, '127.0.0.1'],
      [`http://127.1:${p}/`, '127.0.0.1'],
      [`http://2130706433:${p}/`, '127.0.0.1'],
      [`http://0x7f.1:${p}/`, '127.0.0.1'],
      [`http://0177.0.0.1:${p}/`, '127.0.0.1'],
      [`http://%31%32%37.0.0.1:${p}/`, '127.0.0.1'],
      [`http://[::1]:${p}/`, '::1'],
      [`http://[::ffff:127.0.0.1]:${p}/`, '::ffff:7f00:1'],
      [`http://[::127.0.0.1]:${p}/`, '::7f00:1'],
      [`http://0.0.0.0:${p}/`, '0.0.0.0'],
      [`https://127.0.0.1:${p}/`, '127.0.0.1'],
    ];
    for (const [url, address] of cases) {
      await rejectsWith(client.request(url), 'OUTBOUND_REFUSED', (e) => {
        assert.equal(e.address, address, url);
        assert.match(e.message, /OUTBOUND_ALLOWED_HOSTS/);
      });
    }
    assert.equal(peer.hits.length, 0);
  });

  test('property: any loopback address, spelled as one integer, in hex or IPv4-mapped, is refused before any connection', async () => {
    const client = createOutboundClient({
      resolver: async () => {
        throw new Error('a literal address must not be resolved');
      },
    });
    await fc.assert(
      fc.asyncProperty(fc.nat(2 ** 24 - 1), fc.constantFrom('int', 'hex', 'mapped'), async (low, form) => {
        const n = (0x7f000000 + low) >>> 0;
        const host =
          form === 'int' ? String(n) : form === 'hex' ? `0x${n.toString(16)}` : `[::ffff:${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}]`;
        await rejectsWith(client.request(`http://${host}:${peer.port}/`), 'OUTBOUND_REFUSED', (e) => {
          assert.equal(e.reason, 'loopback');
        });
      }),
      { numRuns: 300 },
    );
    assert.equal(peer.hits.length, 0);
  });

  test('the message says how an embedded address was judged', async () => {
    await rejectsWith(createOutboundClient().request('http://[::ffff:169.254.169.254]/latest/meta-data/'), 'OUTBOUND_REFUSED', (e) => {
      assert.equal(e.reason, 'metadata');
      assert.equal(
        e.message,
        'Refused to call ::ffff:a9fe:a9fe: it is a cloud metadata address (metadata, as ipv4Mapped of 169.254.169.254); ' +
          'only hosts or CIDRs listed in OUTBOUND_ALLOWED_HOSTS may be internal',
      );
    });
  });

  test('a name that resolves to loopback is refused (localhost, system resolver)', async () => {
    const client = createOutboundClient();
    await rejectsWith(client.request(`http://localhost:${peer.port}/`), 'OUTBOUND_REFUSED', (e) => {
      assert.equal(e.reason, 'loopback');
      assert.equal(e.host, 'localhost');
      assert.match(e.message, /^Refused to call localhost: it resolves to (127\.0\.0\.1|::1), which is a loopback address \(loopback\)/);
    });
    await rejectsWith(client.request(`http://LocalHost:${peer.port}/`), 'OUTBOUND_REFUSED');
    assert.equal(peer.hits.length, 0);
  });

  test('every resolved address is checked: [public, loopback] is refused', async () => {
    let calls = 0;
    const resolver: Resolver = async () => {
      calls++;
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    };
    const client = createOutboundClient({ resolver });
    await rejectsWith(client.request(`http://mixed.example:${peer.port}/`), 'OUTBOUND_REFUSED', (e) => {
      assert.equal(e.address, '127.0.0.1');
      assert.equal(e.reason, 'loopback');
    });
    assert.equal(calls, 1);
    assert.equal(peer.hits.length, 0);
  });

  test('a name resolving to the metadata address is refused with that reason', async () => {
    const client = createOutboundClient({ resolver: async () => [{ address: '169.254.169.254', family: 4 }] });
    await rejectsWith(client.request('http://metadata.google.internal/computeMetadata/v1/'), 'OUTBOUND_REFUSED', (e) => {
      assert.equal(e.reason, 'metadata');
    });
  });
});

describe('allowed through OUTBOUND_ALLOWED_HOSTS', () => {
  let peer: Peer;
  before(async () => {
    peer = await startPeer((req, res) => {
      res.setHeader('x-seen-method', req.method ?? '');
      res.end(`you said ${req.method}`);
    });
  });
  after(() => peer.close());

  test('as a CIDR: a real request goes through with method, headers and body', async () => {
    const client = createOutboundClient({ allowedHosts: ['127.0.0.1/32'], userAgent: 'RelayDesk-Test/1' });
    const res = await client.request(`http://127.0.0.1:${peer.port}/hook?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"hi"}',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'you said POST');
    assert.equal(res.headers['x-seen-method'], 'POST');
    assert.equal(res.redirect, false);
    assert.equal(res.address, '127.0.0.1');
    assert.equal(res.url, `http://127.0.0.1:${peer.port}/hook?x=1`);
    const hit = peer.hits.at(-1)!;
    assert.equal(hit.url, '/hook?x=1');
    assert.equal(hit.body, '{"text":"hi"}');
    assert.equal(hit.headers['user-agent'], 'RelayDesk-Test/1');
    assert.equal(hit.headers['content-length'], '13');
    assert.equal(hit.headers.host, `127.0.0.1:${peer.port}`);
  });

  test('the odd IPv4 spellings are checked as the address they normalize to', async () => {
    const client = createOutboundClient({ allowedHosts: ['127.0.0.1/32'] });
    const res = await client.request(`http://2130706433:${peer.port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.url, `http://127.0.0.1:${peer.port}/`);
  });

  test('as a hostname (case-insensitive): localhost through the system resolver', async () => {
    const client = createOutboundClient({ allowedHosts: ['LOCALHOST'] });
    const res = await client.request(`http://localhost:${peer.port}/`);
    assert.equal(res.status, 200);
    assert.equal(peer.hits.at(-1)!.headers.host, `localhost:${peer.port}`);
    // The name is allowed, not the address: 127.0.0.1 itself is still refused.
    await rejectsWith(client.request(`http://127.0.0.1:${peer.port}/`), 'OUTBOUND_REFUSED');
  });

  test('an allowed hostname does not allow other names resolving to the same address', async () => {
    const client = createOutboundClient({
      allowedHosts: ['hooks.intranet'],
      resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    assert.equal((await client.request(`http://hooks.intranet:${peer.port}/`)).status, 200);
    await rejectsWith(client.request(`http://evil.intranet:${peer.port}/`), 'OUTBOUND_REFUSED');
  });
});

describe('no DNS rebinding', () => {
  let checked: Peer;
  let rebound: Peer;
  before(async () => {
    checked = await startPeer(ok, '127.0.0.1');
    // Same port on another loopback address: a second lookup that rebinds would land here.
    rebound = await startPeer(ok, '127.0.0.2', checked.port);
  });
  after(async () => {
    await checked.close();
    await rebound.close();
  });

  test('the connection goes to the address that was checked, and DNS is asked once per request', async () => {
    let calls = 0;
    // First answer: the address the check allows (stands in for a public one); later: the target.
    const resolver: Resolver = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.2', family: 4 }]);
    const client = createOutboundClient({ allowedHosts: ['127.0.0.1/32'], resolver });
    const res = await client.request(`http://rebind.example:${checked.port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.address, '127.0.0.1', 'the socket connected to the checked address');
    assert.equal(calls, 1);
    assert.equal(checked.hits.length, 1);
    assert.equal(checked.hits[0]!.localAddress, '127.0.0.1');
    assert.equal(checked.hits[0]!.headers.host, `rebind.example:${checked.port}`, 'Host stays the name');
    assert.equal(rebound.hits.length, 0);

    // The next request resolves again, and the rebound answer is checked (and refused) in turn.
    await rejectsWith(client.request(`http://rebind.example:${checked.port}/`), 'OUTBOUND_REFUSED', (e) => {
      assert.equal(e.address, '127.0.0.2');
    });
    assert.equal(calls, 2);
    assert.equal(rebound.hits.length, 0);
  });

  test('the lookup handed to http.request ignores the name and answers with the checked addresses', async () => {
    const lookup = pinnedLookup([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const one = await new Promise<unknown[]>((resolve) => lookup('evil.example', {}, (...args) => resolve(args)));
    assert.deepEqual(one, [null, '127.0.0.1', 4]);
    const all = await new Promise<unknown[]>((resolve) => lookup('evil.example', { all: true }, (...args) => resolve(args)));
    assert.deepEqual(all, [
      null,
      [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    ]);
  });
});

describe('redirects, time and size', () => {
  let target: Peer;
  let redirector: Peer;
  let slow: Peer;
  let big: Peer;
  before(async () => {
    target = await startPeer(ok);
    redirector = await startPeer((_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `http://127.0.0.1:${target.port}/next`);
      res.end('moved');
    });
    slow = await startPeer((req, res) => {
      if (req.url === '/trickle') {
        // Headers at once, then a byte every 100 ms: the deadline covers the body too.
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 100);
        res.on('close', () => clearInterval(timer));
      }
      // Otherwise never answer.
    });
    big = await startPeer((req, res) => {
      const chunk = Buffer.alloc(16 * 1024, 'a');
      if (req.url === '/declared') {
        res.setHeader('content-length', String(10 * chunk.length));
      }
      let sent = 0;
      const pump = () => {
        while (sent < 10) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
  after(async () => {
    for (const p of [target, redirector, slow, big]) await p.close();
  });

  const client = createOutboundClient({ allowedHosts: ['127.0.0.1/32'], timeoutMs: 400, maxResponseBytes: 64 * 1024 });

  test('a redirect is returned, flagged, and not followed', async () => {
    const res = await client.request(`http://127.0.0.1:${redirector.port}/start`);
    assert.equal(res.status, 302);
    assert.equal(res.redirect, true);
    assert.equal(res.location, `http://127.0.0.1:${target.port}/next`);
    assert.equal(redirector.hits.length, 1);
    assert.equal(target.hits.length, 0, 'the redirect target is never called');
  });

  test('a server that never answers fails with OUTBOUND_TIMEOUT, on time', async () => {
    const started = Date.now();
    await rejectsWith(client.request(`http://127.0.0.1:${slow.port}/hang`), 'OUTBOUND_TIMEOUT');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 350 && elapsed < 2000, `took ${elapsed} ms`);
  });

  test('a body that trickles past the deadline fails with OUTBOUND_TIMEOUT; the per-request timeout wins', async () => {
    const started = Date.now();
    await rejectsWith(client.request(`http://127.0.0.1:${slow.port}/trickle`, { timeoutMs: 250 }), 'OUTBOUND_TIMEOUT');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 200 && elapsed < 1500, `took ${elapsed} ms`);
  });

  test('a slow resolver counts against the same deadline', async () => {
    const stalled = createOutboundClient({ timeoutMs: 200, resolver: () => new Promise(() => undefined) });
    const started = Date.now();
    await rejectsWith(stalled.request('http://stalled.example/'), 'OUTBOUND_TIMEOUT');
    assert.ok(Date.now() - started < 1500);
  });

  test('an oversized body fails with OUTBOUND_TOO_LARGE, declared or streamed', async () => {
    await rejectsWith(client.request(`http://127.0.0.1:${big.port}/declared`), 'OUTBOUND_TOO_LARGE');
    await rejectsWith(client.request(`http://127.0.0.1:${big.port}/chunked`), 'OUTBOUND_TOO_LARGE');
    const roomy = await client.request(`http://127.0.0.1:${big.port}/chunked`, { maxResponseBytes: 200 * 1024 });
    assert.equal(roomy.body.length, 160 * 1024);
  });

  test('a refused connection fails with OUTBOUND_UNREACHABLE', async () => {
    const port = await freePort();
    await rejectsWith(client.request(`http://127.0.0.1:${port}/`), 'OUTBOUND_UNREACHABLE');
  });

  test('a name that does not resolve fails with OUTBOUND_UNREACHABLE', async () => {
    const failing = createOutboundClient({
      resolver: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
      },
    });
    await rejectsWith(failing.request('http://nowhere.invalid/'), 'OUTBOUND_UNREACHABLE');
    const empty = createOutboundClient({ resolver: async () => [] });
    await rejectsWith(empty.request('http://nowhere.invalid/'), 'OUTBOUND_UNREACHABLE');
  });
});

describe('https', () => {
  let server: https.Server;
  let port: number;
  const seen: { servername: string | false; host: string | undefined; localAddress: string | undefined }[] = [];
  before(async () => {
    server = https.createServer({ cert: TEST_TLS_CERT, key: TEST_TLS_KEY }, (req, res) => {
      const socket = req.socket as TLSSocket & { servername?: string | false };
      seen.push({ servername: socket.servername ?? false, host: req.headers.host, localAddress: socket.localAddress });
      res.end('secure hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('connects to the pinned address, with SNI and Host as the name, and verifies the certificate', async () => {
    let calls = 0;
    const client = createOutboundClient({
      allowedHosts: ['127.0.0.1/32'],
      ca: TEST_TLS_CERT,
      resolver: async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.2', family: 4 }]),
    });
    const res = await client.request(`https://${TEST_TLS_HOST}:${port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'secure hello');
    assert.equal(res.address, '127.0.0.1');
    assert.equal(calls, 1);
    assert.deepEqual(seen.at(-1), { servername: TEST_TLS_HOST, host: `${TEST_TLS_HOST}:${port}`, localAddress: '127.0.0.1' });
  });

  test('a certificate that does not match the name, or is not trusted, is OUTBOUND_UNREACHABLE', async () => {
    const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const wrongName = createOutboundClient({ allowedHosts: ['127.0.0.1/32'], ca: TEST_TLS_CERT, resolver });
    await rejectsWith(wrongName.request(`https://other.test:${port}/`), 'OUTBOUND_UNREACHABLE', (e) => {
      assert.match(e.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
    });
    const untrusted = createOutboundClient({ allowedHosts: ['127.0.0.1/32'], resolver });
    await rejectsWith(untrusted.request(`https://${TEST_TLS_HOST}:${port}/`), 'OUTBOUND_UNREACHABLE');
  });
});

test('a peer that hangs up in the middle of the body is OUTBOUND_UNREACHABLE, not a short body', async () => {
  const peer = await startPeer((_req, res) => {
    res.setHeader('content-length', '1000');
    res.write('only part of it');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  try {
    const client = createOutboundClient({ allowedHosts: ['127.0.0.1/32'] });
    await rejectsWith(client.request(`http://127.0.0.1:${peer.port}/`), 'OUTBOUND_UNREACHABLE');
  } finally {
    await peer.close();
  }
});

test('bad URLs fail with OUTBOUND_BAD_URL before any lookup', async () => {
  let calls = 0;
  const client = createOutboundClient({
    resolver: async () => {
      calls++;
      return [{ address: '93.184.215.14', family: 4 }];
    },
  });
  for (const url of ['not a url', 'ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'http://user:pass@example.com/', 'http://user@example.com/', 'data:text/plain,hi', 'javascript:alert(1)']) {
    await rejectsWith(client.request(url), 'OUTBOUND_BAD_URL');
  }
  assert.equal(calls, 0);
});

test('an invalid allowlist entry stops the client from being created', () => {
  assert.throws(() => createOutboundClient({ allowedHosts: ['10.0.0.0/40'] }), /OUTBOUND_ALLOWED_HOSTS/);
});
