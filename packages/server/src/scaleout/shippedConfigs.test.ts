import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { CloseCodes } from '@relaydesk/protocol';
import { Cluster } from '../testing/cluster.js';
import { startBalancer, type Balancer } from '../testing/balancer.js';
import { asServer, getFrom, loggedClientAddress, personAt, socketOn, waitUntil } from '../testing/clusterClients.js';
import { TEST_ORIGIN } from '../testing/testServer.js';
import { eventPage, send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestStream } from '../realtime/testStream.js';
import { ticketFor, type TestSocket } from '../realtime/testSocket.js';

/**
 * The balancer configurations the project ships (deploy/nginx/relaydesk.conf and
 * deploy/haproxy/haproxy.cfg), run by Debian's nginx and HAProxy with only their addresses and
 * paths rewritten, next to the test harness's own nginx config, in front of the same 3 nodes.
 * Through each: REST and cross-node delivery work, and the per-IP connection cap
 * (WS_MAX_CONNECTIONS_PER_IP) counts each client's own address (X-Forwarded-For, TRUST_PROXY),
 * not the balancer's, on the WebSocket upgrade too.
 */
/** 127.0.0.1 holds the 3 readers and one SSE stream at a time; the cap tests use addresses of their own. */
const PER_IP = 4;

interface Opened {
  code?: number;
  ready: boolean;
  ws: WebSocket;
}

/** A WebSocket to `baseUrl`/ws from the loopback address `localAddress`: resolves at `ready` or at the close. */
function socketFrom(baseUrl: string, ticket: string, localAddress: string): Promise<Opened> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(ticket)}`, { origin: TEST_ORIGIN, localAddress });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ready: false, ws }), 5000);
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'ready') {
        clearTimeout(timer);
        resolve({ ready: true, ws });
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ready: false, ws });
    });
  });
}

describe('the shipped balancer configurations (deploy/) in front of 3 nodes', () => {
  let cluster: Cluster;
  let team: Team;
  const balancers: { name: string; balancer: Balancer }[] = [];
  const sockets: WebSocket[] = [];
  const readers: TestSocket[] = [];
  const streams: TestStream[] = [];

  before(async () => {
    cluster = await Cluster.start({ nodes: 3, balancer: 'nginx', env: { WS_MAX_CONNECTIONS_PER_IP: String(PER_IP) } });
    const upstreams = cluster.nodes.map((n) => `127.0.0.1:${n.port}`);
    balancers.push({ name: 'the harness nginx config', balancer: cluster.balancer });
    balancers.push({ name: 'deploy/nginx/relaydesk.conf', balancer: await startBalancer('nginx', { upstreams, shipped: true }) });
    balancers.push({ name: 'deploy/haproxy/haproxy.cfg', balancer: await startBalancer('haproxy', { upstreams, shipped: true }) });
    team = await setUpTeam(asServer(cluster.url), 1);
    // One reader on each node, straight from 127.0.0.1.
    for (let i = 0; i < 3; i++) readers.push(await socketOn(cluster, i, team.members[0]!));
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    for (const s of readers) await s.close().catch(() => undefined);
    for (const s of streams) await s.close().catch(() => undefined);
    for (const { balancer } of balancers.slice(1)) await balancer.stop().catch(() => undefined);
    await cluster?.close();
  });

  const each = (title: string, fn: (b: Balancer, name: string, k: number) => Promise<void>) => {
    for (const [k, name] of ['the harness nginx config', 'deploy/nginx/relaydesk.conf', 'deploy/haproxy/haproxy.cfg'].entries()) {
      it(`${name}: ${title}`, () => cluster.explained(async () => fn(balancers[k]!.balancer, name, k)));
    }
  };

  each('REST through it reaches every node, and a message posted through it reaches sockets on every node', async (b) => {
    const served = new Set<string>();
    for (let k = 0; k < 12 && served.size < 3; k++) {
      const res = await fetch(`${b.url}/health`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      served.add(res.headers.get('x-node-id') ?? '?');
    }
    assert.deepEqual(served, new Set(cluster.nodes.map((n) => n.id)), 'every node answers through it');
    const m = await send(personAt(team.owner, b.url), team.channelId, `through ${b.kind}`);
    for (const [i, r] of readers.entries()) await r.event(team.channelId, m.seq, 5000).catch((err: Error) => assert.fail(`the reader on node-${i}: ${err.message.slice(0, 300)}`));
  });

  each('the SSE fallback streams through it unbuffered: each event arrives on its own, from whichever node it was posted on', async (b) => {
    const reader = personAt(team.members[0]!, b.url);
    const start = (await eventPage(reader, team.channelId, 0, 1)).lastSeq;
    // (The previous test's stream may not have been counted as closed yet: its slot on 127.0.0.1 frees up shortly.)
    const stream = await waitUntil('an SSE stream through the balancer', () => TestStream.live(reader.client, { [team.channelId]: start }), 3000, 100);
    streams.push(stream);
    for (let i = 0; i < 3; i++) {
      const m = await send(personAt(team.owner, cluster.node(i).url), team.channelId, `sse via node-${i}`);
      // One small event at a time: a buffering balancer would hold it back until its buffer filled.
      await stream.event(team.channelId, m.seq, 5000).catch((err: Error) => assert.fail(`the event posted on node-${i} did not come through ${b.kind}: ${err.message.slice(0, 300)}`));
    }
    assert.deepEqual(stream.events(team.channelId).map((e) => e.seq), [start + 1, start + 2, start + 3]);
    await stream.close();
  });

  each('a client\'s own X-Forwarded-For does not reach the nodes; the address it connects from does', async (b) => {
    const marker = `xff-${Math.random().toString(36).slice(2)}`;
    const res = await getFrom(`${b.url}/health?probe=${marker}`, '127.0.0.2', { 'x-forwarded-for': '203.0.113.7' });
    assert.equal(res.status, 200);
    assert.equal(await loggedClientAddress(cluster, res.headers.get('x-node-id')!, marker), '127.0.0.2');
  });

  each(`the per-IP WebSocket cap (${PER_IP}) counts each client's address: clients from ${PER_IP + 1} addresses are all served, the ${PER_IP + 1}th socket from one address is refused with 4029`, async (b, _name, k) => {
    const person = personAt(team.members[0]!, b.url);
    // Addresses of their own for each balancer, so that sockets of one test do not count in another.
    const address = (n: number) => `127.0.${10 + k}.${n + 1}`;
    const spread = [];
    for (let n = 0; n < PER_IP + 1; n++) spread.push(await socketFrom(b.url, await ticketFor(person.client), address(n)));
    sockets.push(...spread.map((s) => s.ws));
    assert.deepEqual(spread.map((s) => s.ready), spread.map(() => true), `one socket from each of ${PER_IP + 1} addresses, all served (close codes: ${spread.map((s) => s.code).join(', ')}): the nodes count the client's address (X-Forwarded-For on the /ws upgrade), not ${b.kind}'s`);

    const same = [];
    for (let n = 0; n < PER_IP; n++) same.push(await socketFrom(b.url, await ticketFor(person.client), address(PER_IP + 1)));
    sockets.push(...same.map((s) => s.ws));
    assert.deepEqual(same.map((s) => s.ready), same.map(() => true), `${PER_IP} sockets from one address are served`);
    const over = await socketFrom(b.url, await ticketFor(person.client), address(PER_IP + 1));
    sockets.push(over.ws);
    assert.deepEqual({ ready: over.ready, code: over.code }, { ready: false, code: CloseCodes.tooManyConnections }, 'one more from the same address is refused, whichever node it reached');
    for (const s of [...spread, ...same]) s.ws.close();
  });
});
