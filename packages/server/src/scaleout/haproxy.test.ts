import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../testing/cluster.js';
import { BalancedRestSender, StoppableDeployment, asServer, getFrom, loggedClientAddress, openEndedClients, clientSocketsPerNode, socketOn, socketThroughBalancer, stopRestSending, stopSending, waitUntil } from '../testing/clusterClients.js';
import { checkDurability, untilAcked, type ChatClient } from '../testing/durabilityChecker.js';
import { eventPage, send, setUpTeam, type Person, type Team } from '../http/routes/messages/fixtures.js';
import type { TestSocket } from '../realtime/testSocket.js';

/**
 * The same deployment behind HAProxy instead of nginx (PRODUCT.md: "any load balancer"): round
 * robin, `option httpchk GET /ready` every 500 ms with `fall 1 rise 1`, `timeout tunnel 1h` for
 * the sockets, `option forwardfor`. A smaller variant of the nginx suites: cross-node delivery,
 * and a kill -9 under load, after which HAProxy's health check takes the dead node out of the
 * rotation and puts it back once it is ready again.
 */
const NODES = 3;
const CROSS_MS = 5000;

describe('scale-out behind HAProxy: 3 nodes, /ready health checks', () => {
  let cluster: Cluster;
  let team: Team;
  const opened: TestSocket[] = [];
  const track = (s: TestSocket) => (opened.push(s), s);
  const deployments: StoppableDeployment[] = [];
  let clients: ChatClient[] = [];

  before(async () => {
    cluster = await Cluster.start({ nodes: NODES, balancer: 'haproxy', checkIntervalMs: 500 });
    team = await setUpTeam(asServer(cluster.url), 3);
  });
  after(async () => {
    for (const d of deployments) d.end();
    for (const c of clients) await c.close().catch(() => undefined);
    for (const s of opened) await s.close().catch(() => undefined);
    await cluster?.close();
  });

  /** Which node served each of `n` consecutive GET /health through HAProxy (by X-Node-Id). */
  async function rotation(n: number): Promise<string[]> {
    const served: string[] = [];
    for (let k = 0; k < n; k++) {
      const marker = `hap-${k}-${Math.random().toString(36).slice(2)}`;
      const res = await fetch(`${cluster.url}/health?probe=${marker}`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      assert.equal(res.status, 200, `request ${k} through HAProxy`);
      served.push((await cluster.servedBy(res.headers, marker)) ?? '?');
    }
    return served;
  }

  it('round robin over every node, and a message sent through any node reaches sockets on every node once', () => cluster.explained(async () => {
    const served = await rotation(NODES * 2);
    assert.deepEqual(new Set(served), new Set(cluster.nodes.map((n) => n.id)), `every node served: ${served.join(', ')}`);

    const [alice, bob] = team.members as [Person, Person];
    const sockets: { label: string; socket: TestSocket }[] = [];
    for (let i = 0; i < NODES; i++) sockets.push({ label: `node-${i}`, socket: track(await socketOn(cluster, i, alice)) });
    sockets.push({ label: 'through HAProxy', socket: track(await socketThroughBalancer(cluster, alice)) });
    // Three posts through HAProxy land on three different nodes (round robin).
    const sent = [];
    for (let k = 0; k < NODES; k++) sent.push(await send(bob, team.channelId, `through HAProxy #${k}`));
    for (const m of sent) {
      for (const { label, socket } of sockets) {
        await socket.event(team.channelId, m.seq, CROSS_MS).catch((err: Error) => assert.fail(`${label} did not get "${m.body}": ${err.message.slice(0, 300)}`));
      }
    }
    for (const { label, socket } of sockets) {
      await socket.roundTrip();
      for (const m of sent) assert.equal(socket.created(team.channelId, m.id).length, 1, `${label}: "${m.body}" once`);
      await socket.close();
    }
  }));

  it('option forwardfor: the nodes see the client address HAProxy saw, not one the client claims', async () => {
    for (const claimed of [undefined, '203.0.113.7']) {
      const marker = `xff-${Math.random().toString(36).slice(2)}`;
      const res = await getFrom(`${cluster.url}/health?probe=${marker}`, '127.0.0.2', claimed ? { 'x-forwarded-for': claimed } : {});
      assert.equal(res.status, 200);
      const node = await cluster.servedBy(res.headers, marker);
      assert.equal(await loggedClientAddress(cluster, node!, marker), '127.0.0.2', `${node} computed the client's address (claimed: ${claimed ?? 'nothing'})`);
    }
  });

  it('kill -9 of a node under load: the health check takes it out, nothing acked is lost, and it is back in the rotation once ready again', () => cluster.explained(async () => {
    // Whatever the first test left open (it may have failed) would count on the nodes' gauges.
    for (const s of opened) await s.close();
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const deployment = new StoppableDeployment(cluster.url);
    deployments.push(deployment);
    clients = openEndedClients(people, team.channelId, startSeq, { sends: 300, pauseMs: 20 });
    const restSenders = [new BalancedRestSender('r0', team.members[0]!, team.channelId, 100)];
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined);
    await untilAcked(clients, 30);

    const counts = await clientSocketsPerNode(cluster, clients);
    const victim = counts.indexOf(Math.max(...counts));
    assert.ok(counts[victim]! > 0, `some node holds the clients' sockets: ${counts.join(', ')}`);
    const victimId = cluster.node(victim).id;
    await cluster.kill(victim);

    // Within a few check intervals every request goes to the live nodes.
    await waitUntil(`HAProxy stops sending requests to ${victimId}`, async () => {
      const served = await rotation(NODES * 2).catch(() => undefined);
      return served && !served.includes(victimId) && !served.includes('?') ? served : undefined;
    }, 5000, 100);
    const before = clients.reduce((n, c) => n + c.acked.size, 0);
    await untilAcked(clients, before + 30, 15_000);

    await cluster.start(victim);
    await waitUntil(`HAProxy sends requests to ${victimId} again`, async () => ((await rotation(NODES * 2)).includes(victimId) ? true : undefined), 5000, 100);
    for (const c of clients) assert.ok(c.acked.size < c.options.sends, `${c.name} was still sending through the kill and the return`);

    stopSending(clients);
    stopRestSending(restSenders);
    await running;
    const reconnected = clients.filter((c) => c.sockets.length > 1);
    assert.ok(reconnected.length >= counts[victim]!, `the ${counts[victim]} clients of ${victimId} reconnected through HAProxy (${reconnected.length} did)`);
    await checkDurability({ url: cluster.url, reader: team.owner, channelId: team.channelId, startSeq, clients, restSenders });
  }));
});
