import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../testing/cluster.js';
import { BalancedRestSender, StoppableDeployment, asServer, probe, socketOn, waitUntil } from '../testing/clusterClients.js';
import { checkDurability, chatClients, untilAcked, type ChatClient } from '../testing/durabilityChecker.js';
import { eventPage, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import type { TestSocket } from '../realtime/testSocket.js';

/**
 * Faults of a scaled-out deployment under load (PRODUCT.md, promise 1 and "Scale-out"): chat
 * clients (testing/durabilityChecker.ts) keep sending through the balancer (nginx, 3 nodes) while
 * a node is killed, every node is restarted in turn, or Redis restarts. Afterwards every
 * acknowledged message is stored once with the seq of its ack, the feed is gap-free, and each
 * client's live stream, across all its reconnects (to whichever node the balancer chose), equals
 * the history.
 */
const NODES = 3;

interface Load {
  team: Team;
  startSeq: number;
  clients: ChatClient[];
  restSenders: BalancedRestSender[];
  running: Promise<unknown>;
  total: number;
}

describe('scale-out faults under load: 3 nodes behind nginx', () => {
  let cluster: Cluster;
  const opened: TestSocket[] = [];
  let load: Load | undefined;

  before(async () => {
    cluster = await Cluster.start({ nodes: NODES, balancer: 'nginx' });
  });
  const deployments: StoppableDeployment[] = [];
  after(async () => {
    for (const d of deployments) d.end();
    for (const s of opened) await s.close().catch(() => undefined);
    for (const c of load?.clients ?? []) await c.close().catch(() => undefined);
    await cluster?.close();
  });

  /** A fresh team of 4 in one channel; one socket client each and one REST sender, all through the balancer. */
  async function startLoad(options: { sends: number; pauseMs: number; restSends: number }): Promise<Load> {
    // The previous test's clients are done; their sockets must not count on any node. A node a
    // failed test left down is started again, so that one failure does not cascade.
    for (const d of deployments) d.end();
    for (const c of load?.clients ?? []) await c.close();
    for (const n of cluster.nodes) if (!n.proc.alive) await cluster.start(n.index);
    await cluster.startRedis();
    await cluster.waitBalanced();
    const team = await setUpTeam(asServer(cluster.url), 3);
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const deployment = new StoppableDeployment(cluster.url);
    deployments.push(deployment);
    const clients = chatClients(people, team.channelId, startSeq, { sends: options.sends, pauseMs: options.pauseMs });
    const restSenders = [new BalancedRestSender('r0', team.members[0]!, team.channelId, options.restSends)];
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined); // awaited by the test; must not go unhandled before that
    load = { team, startSeq, clients, restSenders, running, total: clients.length * options.sends };
    return load;
  }

  const acked = (clients: ChatClient[]) => clients.reduce((n, c) => n + c.acked.size, 0);

  async function check(l: Load): Promise<void> {
    await checkDurability({ url: cluster.url, reader: l.team.owner, channelId: l.team.channelId, startSeq: l.startSeq, clients: l.clients, restSenders: l.restSenders });
  }

  it('kill -9 of a node in the middle of a stream of sends: every ack stored once, in order, no gap; its clients reconnect through the balancer', async () => {
    const l = await startLoad({ sends: 40, pauseMs: 10, restSends: 15 });
    await untilAcked(l.clients, l.total / 4);
    // The node to kill is one that holds sockets of these clients (round robin put them somewhere).
    const counts = await Promise.all(cluster.nodes.map((_, i) => cluster.socketsOn(i)));
    const victim = counts.indexOf(Math.max(...counts));
    assert.ok(counts[victim]! > 0, `some node holds the clients' sockets: ${counts.join(', ')}`);
    const atKill = l.clients.map((c) => c.socket);
    const ackedAtKill = acked(l.clients);
    await cluster.kill(victim);

    await l.running;
    assert.ok(ackedAtKill < l.total, 'the kill landed while the clients were sending');
    const moved = l.clients.filter((c, k) => {
      const socket = atKill[k];
      return socket !== undefined && socket.closeInfo !== undefined && socket.closeInfo.code !== 1000 && c.sockets.indexOf(socket) < c.sockets.length - 1;
    });
    assert.ok(moved.length >= counts[victim]!, `the ${counts[victim]} clients on ${cluster.node(victim).id} lost their socket and opened another (${moved.length} did)`);
    for (const c of moved) assert.ok(c.socket!.ofType('ready').length === 1, `${c.name} is connected again (through the balancer, to a live node)`);
    assert.equal(cluster.nodes.filter((n) => n.proc.alive).length, NODES - 1, 'only the killed node is down');
    await check(l);

    // Back to 3 nodes for what follows.
    await cluster.start(victim);
    await cluster.waitBalanced();
  });

  it('a rolling restart (SIGTERM one node at a time, wait for /ready) under load loses nothing; a draining node answers /ready 503 first and closes its sockets with 1012', async () => {
    const l = await startLoad({ sends: 50, pauseMs: 40, restSends: 20 });
    await untilAcked(l.clients, 12);
    const watcher = l.team.members[2]!;
    for (let i = 0; i < NODES; i++) {
      const node = cluster.node(i);
      const observer = await socketOn(cluster, i, watcher);
      opened.push(observer);
      const exited = cluster.terminate(i);
      if (i === NODES - 1) assert.ok(acked(l.clients) < l.total, 'the clients were still sending when the last node was restarted');

      // Right after the signal, the node's own /ready: 200 until it has seen the signal, then 503, before it stops listening.
      const seen: number[] = [];
      const deadline = Date.now() + 3000;
      let notReady: Awaited<ReturnType<typeof probe>> | undefined;
      while (!notReady) {
        const r = await probe(`${node.url}/ready`, 1000);
        seen.push(r.status);
        if (r.status === 503) notReady = r;
        else if (r.status === 0) assert.fail(`${node.id} stopped answering before its /ready said 503 (answers after SIGTERM: ${seen.join(', ')})`);
        else if (Date.now() > deadline) assert.fail(`${node.id}: /ready still ${r.status} 3 s after SIGTERM`);
      }
      assert.equal(typeof notReady.body?.error?.code, 'string', `a product error: ${JSON.stringify(notReady.body)}`);

      const closed = await observer.waitForClose(8000);
      assert.equal(closed.code, 1012, `${node.id}'s socket is told to reconnect: ${JSON.stringify(closed)}`);
      const { code, signal } = await Promise.race([
        exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${node.id} did not exit within 10 s of SIGTERM`)), 10_000)),
      ]);
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, `${node.id} drained and exited cleanly:\n${node.output().slice(-1500)}`);
      await cluster.start(i);
    }
    await cluster.waitBalanced();
    await l.running;
    const restarted = l.clients.flatMap((c) => c.sockets).filter((s) => s.closeInfo?.code === 1012);
    assert.ok(restarted.length > 0, 'the clients on restarted nodes were told 1012 and reconnected');
    await check(l);
  });

  it('a Redis restart under load: sends keep being acked while Redis is down, then live deliveries resume and gaps are filled from storage', async () => {
    const l = await startLoad({ sends: 40, pauseMs: 25, restSends: 15 });
    await untilAcked(l.clients, 20);
    await cluster.stopRedis();
    const ackedAtStop = acked(l.clients);

    for (const n of cluster.nodes) {
      await waitUntil(`${n.id}: /ready names Redis`, async () => {
        const r = await probe(`${n.url}/ready`);
        return r.status === 503 && JSON.stringify(r.body).includes('redis') ? r : undefined;
      }, 5000);
    }
    await untilAcked(l.clients, ackedAtStop + 20, 15_000).catch(() => {
      assert.fail(`sends stalled while Redis was down: ${acked(l.clients) - ackedAtStop} acked since it stopped; errors: ${l.clients.flatMap((c) => c.errors).slice(-5).join(', ')}`);
    });
    assert.ok(acked(l.clients) < l.total, 'Redis comes back while the clients are still sending');

    await cluster.startRedis();
    for (let i = 0; i < NODES; i++) await cluster.waitReady(i, 15_000);
    await l.running;
    await check(l);
    assert.ok(cluster.allAlive(), 'no node exited');
  });
});
