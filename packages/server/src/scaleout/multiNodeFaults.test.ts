import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../testing/cluster.js';
import { BalancedRestSender, StoppableDeployment, asServer, clientSocketsPerNode, openEndedClients, probe, socketOn, stopRestSending, stopSending, waitUntil } from '../testing/clusterClients.js';
import { checkDurability, untilAcked, type ChatClient } from '../testing/durabilityChecker.js';
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
}

describe('scale-out faults under load: 3 nodes behind nginx', () => {
  let cluster: Cluster;
  const opened: TestSocket[] = [];
  const deployments: StoppableDeployment[] = [];
  let load: Load | undefined;

  before(async () => {
    cluster = await Cluster.start({ nodes: NODES, balancer: 'nginx' });
  });
  after(async () => {
    for (const d of deployments) d.end();
    for (const s of opened) await s.close().catch(() => undefined);
    for (const c of load?.clients ?? []) await c.close().catch(() => undefined);
    await cluster?.close();
  });

  /**
   * A fresh team of 4 in one channel; one socket client each and one REST sender, all through
   * the balancer. The load is open-ended (`finish()` ends it), bounded by `maxSends` per client.
   */
  async function startLoad(options: { maxSends: number; pauseMs: number; maxRestSends: number }): Promise<Load> {
    // The previous test's clients are done; their sockets must not count on any node. Whatever a
    // failed test left down (a node, Redis) is brought back, so that one failure does not cascade.
    for (const d of deployments) d.end();
    for (const c of load?.clients ?? []) await c.close();
    for (const s of opened) await s.close();
    await cluster.startRedis();
    await cluster.ensureAllUp();
    const team = await setUpTeam(asServer(cluster.url), 3);
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const deployment = new StoppableDeployment(cluster.url);
    deployments.push(deployment);
    const clients = openEndedClients(people, team.channelId, startSeq, { sends: options.maxSends, pauseMs: options.pauseMs });
    const restSenders = [new BalancedRestSender('r0', team.members[0]!, team.channelId, options.maxRestSends)];
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined); // awaited by the test; must not go unhandled before that
    load = { team, startSeq, clients, restSenders, running };
    return load;
  }

  const acked = (clients: ChatClient[]) => clients.reduce((n, c) => n + c.acked.size, 0);

  /** `more` acknowledgements on top of what there is now. */
  const ackedMore = (l: Load, more: number, what: string, timeoutMs = 15_000) => {
    const target = acked(l.clients) + more;
    return untilAcked(l.clients, target, timeoutMs).catch(() => {
      assert.fail(`${what}: fewer than ${more} more sends acked in ${timeoutMs} ms; recent errors: ${l.clients.flatMap((c) => c.errors).slice(-5).join(', ') || 'none'}`);
    });
  };

  /** The clients are all still sending (none has reached its bound): the fault happened under load. */
  const assertUnderLoad = (l: Load, what: string) => {
    for (const c of l.clients) assert.ok(c.acked.size < c.options.sends, `${c.name} was still sending ${what}`);
  };

  /** Ends the load, waits for every client to finish, and runs the durability checker. */
  async function finishAndCheck(l: Load): Promise<void> {
    stopSending(l.clients);
    stopRestSending(l.restSenders);
    await l.running;
    await checkDurability({ url: cluster.url, reader: l.team.owner, channelId: l.team.channelId, startSeq: l.startSeq, clients: l.clients, restSenders: l.restSenders });
  }

  it('kill -9 of a node in the middle of a stream of sends: every ack stored once, in order, no gap; its clients reconnect through the balancer', () => cluster.explained(async () => {
    const l = await startLoad({ maxSends: 300, pauseMs: 20, maxRestSends: 100 });
    await untilAcked(l.clients, 40);
    // The node to kill is one that holds sockets of these clients (round robin put them somewhere).
    const counts = await clientSocketsPerNode(cluster, l.clients);
    const victim = counts.indexOf(Math.max(...counts));
    assert.ok(counts[victim]! > 0, `some node holds the clients' sockets: ${counts.join(', ')}`);
    const atKill = l.clients.map((c) => c.socket);
    await cluster.kill(victim);

    // The clients of the killed node notice, reconnect through the balancer (to a live node), resume, and go on sending.
    const moved = () => l.clients.filter((c, k) => {
      const socket = atKill[k];
      return socket?.closeInfo !== undefined && c.sockets.indexOf(socket) < c.sockets.length - 1 && c.socket!.ofType('ready').length === 1;
    });
    await waitUntil(`the ${counts[victim]} clients of ${cluster.node(victim).id} reconnect`, async () => (moved().length >= counts[victim]! ? true : undefined), 10_000);
    await ackedMore(l, 40, 'after the kill');
    assertUnderLoad(l, 'after the kill');
    assert.equal(cluster.nodes.filter((n) => n.proc.alive).length, NODES - 1, 'only the killed node is down');
    assert.equal(moved().length, counts[victim], 'exactly the clients of the killed node had to reconnect');
    await finishAndCheck(l);
  }));

  it('a rolling restart (SIGTERM one node at a time, wait for /ready) under load loses nothing; a draining node answers /ready 503 first and closes its sockets with 1012', () => cluster.explained(async () => {
    const l = await startLoad({ maxSends: 300, pauseMs: 80, maxRestSends: 100 });
    await untilAcked(l.clients, 12);
    const watcher = l.team.members[2]!;
    for (let i = 0; i < NODES; i++) {
      const node = cluster.node(i);
      const observer = await socketOn(cluster, i, watcher);
      opened.push(observer);
      assertUnderLoad(l, `when ${node.id} was sent SIGTERM`);
      const exited = cluster.terminate(i);

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
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, `${node.id} drained and exited cleanly`);
      await cluster.start(i);
    }
    await cluster.waitBalanced();
    await ackedMore(l, 20, 'after the rolling restart');
    assertUnderLoad(l, 'through the whole rolling restart');
    const restarted = l.clients.flatMap((c) => c.sockets).filter((s) => s.closeInfo?.code === 1012);
    assert.ok(restarted.length > 0, 'the clients on restarted nodes were told 1012 and reconnected');
    // (An upgrade that reached a draining node may be refused: only sockets that were up count.)
    const dropped = l.clients.flatMap((c) => c.sockets).filter((s) => s.ofType('ready').length > 0 && s.closeInfo?.code === 1006);
    assert.deepEqual(dropped.map((s) => s.closeInfo), [], 'no open client socket was dropped without a close frame: every node drained');
    await finishAndCheck(l);
  }));

  it('a Redis restart under load: sends keep being acked while Redis is down, then live deliveries resume and gaps are filled from storage', () => cluster.explained(async () => {
    const l = await startLoad({ maxSends: 300, pauseMs: 25, maxRestSends: 100 });
    await untilAcked(l.clients, 20);
    await cluster.stopRedis();

    for (const n of cluster.nodes) {
      await waitUntil(`${n.id}: /ready names Redis`, async () => {
        const r = await probe(`${n.url}/ready`, 4000);
        return r.status === 503 && JSON.stringify(r.body).includes('redis') ? r : undefined;
      }, 8000);
    }
    await ackedMore(l, 20, 'while Redis was down');
    assertUnderLoad(l, 'while Redis was down');

    await cluster.startRedis();
    for (let i = 0; i < NODES; i++) await cluster.waitReady(i, 15_000);
    await ackedMore(l, 20, 'after Redis came back');
    assertUnderLoad(l, 'after Redis came back');
    await finishAndCheck(l);
    assert.ok(cluster.allAlive(), 'no node exited');
  }));
});
