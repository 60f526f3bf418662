import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceStatus } from '@relaydesk/protocol';
import { Cluster } from '../testing/cluster.js';
import { asServer, getFrom, loggedClientAddress, personAt, quietFor, socketOn, socketThroughBalancer } from '../testing/clusterClients.js';
import { newWorkspaceMember, send, setUpTeam, type Person, type Team } from '../http/routes/messages/fixtures.js';
import { sleep, type TestSocket } from '../realtime/testSocket.js';
import type { FrameRecorder } from '../realtime/testFrames.js';

/**
 * Scale-out (PRODUCT.md): 3 nodes of the real main.js on one PostgreSQL database and one Redis,
 * behind nginx (round robin, no sticky sessions). Clients use the balancer's URL for REST and
 * WebSocket; sockets opened straight on a node's own URL pin down "on every node".
 */
const NODES = 3;
/** The nodes' PRESENCE_GRACE_MS (testing/cluster.ts). */
const GRACE_MS = 1500;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 400;
/** A live event or notice has this long to cross from one node to another. */
const CROSS_MS = 5000;

const heard = (watcher: FrameRecorder, userId: string): PresenceStatus[] =>
  watcher.ofType('presence').filter((f) => f.userId === userId).map((f) => f.status);

describe('scale-out: 3 nodes behind nginx, no sticky sessions', () => {
  let cluster: Cluster;
  let team: Team;
  const open: TestSocket[] = [];
  const track = (s: TestSocket) => (open.push(s), s);

  before(async () => {
    cluster = await Cluster.start({ nodes: NODES, balancer: 'nginx' });
    team = await setUpTeam(asServer(cluster.url), 3);
  });
  after(async () => {
    for (const s of open) await s.close().catch(() => undefined);
    await cluster?.close();
  });

  it('the balancer is round robin: consecutive requests land on every node, each by a different node than the one before', async () => {
    const servedBy: string[] = [];
    for (let i = 0; i < NODES * 2; i++) {
      const marker = `rr-${i}-${Math.random().toString(36).slice(2)}`;
      const res = await fetch(`${cluster.url}/health?probe=${marker}`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const node = await cluster.servedBy(res.headers, marker);
      assert.ok(node, `request ${i} was served by a known node`);
      servedBy.push(node);
    }
    assert.deepEqual(new Set(servedBy), new Set(cluster.nodes.map((n) => n.id)), `every node served some: ${servedBy.join(', ')}`);
    for (let i = 1; i < servedBy.length; i++) assert.notEqual(servedBy[i], servedBy[i - 1], `consecutive requests on different nodes: ${servedBy.join(', ')}`);
  });

  it('the nodes see the client address the balancer saw (X-Forwarded-For, TRUST_PROXY), not one the client claims', async () => {
    // The client connects from 127.0.0.2; nginx connects to the nodes from 127.0.0.1.
    for (const claimed of [undefined, '203.0.113.7']) {
      const marker = `xff-${Math.random().toString(36).slice(2)}`;
      const res = await getFrom(`${cluster.url}/health?probe=${marker}`, '127.0.0.2', claimed ? { 'x-forwarded-for': claimed } : {});
      assert.equal(res.status, 200);
      const node = await cluster.servedBy(res.headers, marker);
      assert.equal(await loggedClientAddress(cluster, node!, marker), '127.0.0.2', `${node} computed the client's address (claimed: ${claimed ?? 'nothing'})`);
    }
  });

  it('REST and WebSocket work through the balancer; a message posted on a node reaches a socket on the same node', async () => {
    const [alice] = team.members;
    const me = await team.owner.client.get('/api/v1/auth/me');
    assert.equal(me.status, 200, me.text);
    const viaBalancer = track(await socketThroughBalancer(cluster, alice!, {}));
    assert.equal(viaBalancer.ofType('ready').length, 1);
    for (let i = 0; i < NODES; i++) {
      const socket = track(await socketOn(cluster, i, alice!));
      const message = await send(personAt(team.owner, cluster.node(i).url), team.channelId, `same node ${i}`);
      const event = await socket.event(team.channelId, message.seq, CROSS_MS);
      assert.equal(event.event.type, 'message.created');
      await socket.close();
    }
    await viaBalancer.close();
  });

  it('a message sent through any node reaches clients connected to every node, once each', async () => {
    const [alice, bob, carol] = team.members as [Person, Person, Person];
    // A socket of each reader on every node, plus two through the balancer.
    const readers = [alice, bob];
    const sockets: { label: string; socket: TestSocket }[] = [];
    for (const reader of readers) {
      for (let i = 0; i < NODES; i++) sockets.push({ label: `${reader.user.username}@node-${i}`, socket: track(await socketOn(cluster, i, reader)) });
      sockets.push({ label: `${reader.user.username}@balancer`, socket: track(await socketThroughBalancer(cluster, reader)) });
    }

    const sent = [];
    // Over REST straight on each node, over REST through the balancer, and over a socket on each node.
    for (let i = 0; i < NODES; i++) sent.push(await send(personAt(carol, cluster.node(i).url), team.channelId, `rest via node-${i}`));
    sent.push(await send(carol, team.channelId, 'rest via the balancer'));
    for (let i = 0; i < NODES; i++) {
      const sender = track(await socketOn(cluster, i, carol));
      const answer = await sender.request({ type: 'send', ref: `s${i}`, channelId: team.channelId, body: `socket on node-${i}`, clientMessageId: `cross-${i}-${Date.now()}` });
      if (answer.type !== 'ack') assert.fail(`send on node-${i}: ${JSON.stringify(answer)}`);
      sent.push(answer.message!);
      await sender.close();
    }

    for (const m of sent) {
      for (const { label, socket } of sockets) {
        await socket.event(team.channelId, m.seq, CROSS_MS).catch((err: Error) => {
          throw new Error(`${label} did not get "${m.body}" (seq ${m.seq}): ${err.message.slice(0, 500)}`);
        });
      }
    }
    for (const { label, socket } of sockets) {
      await socket.roundTrip();
      for (const m of sent) assert.equal(socket.created(team.channelId, m.id).length, 1, `${label}: "${m.body}" exactly once`);
      const seqs = socket.events(team.channelId).map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${label}: in seq order`);
      await socket.close();
    }
  });

  it('typing crosses nodes: typing on node 0 is shown on node 1 and node 2, not echoed to the typist', async () => {
    const [alice, bob] = team.members as [Person, Person];
    const typist = track(await socketOn(cluster, 0, alice, {}));
    const watchers = [track(await socketOn(cluster, 1, bob)), track(await socketOn(cluster, 2, bob)), track(await socketOn(cluster, 0, bob))];
    typist.send({ type: 'typing', channelId: team.channelId });
    for (const [i, w] of watchers.entries()) {
      const frame = await w.next('typing', (f) => f.userId === alice.user.id, { timeoutMs: CROSS_MS }).catch((err: Error) => {
        throw new Error(`watcher ${i} heard no typing: ${err.message.slice(0, 400)}`);
      });
      assert.deepEqual(frame, { type: 'typing', channelId: team.channelId, userId: alice.user.id });
    }
    await typist.roundTrip();
    assert.deepEqual(typist.ofType('typing').filter((f) => f.userId === alice.user.id), [], 'the typist is not told of their own typing');
    for (const w of watchers) {
      await w.roundTrip();
      assert.equal(w.ofType('typing').filter((f) => f.userId === alice.user.id).length, 1, 'one notice per watcher');
    }
    for (const s of [typist, ...watchers]) await s.close();
  });

  it('presence crosses nodes: online on node 0 is seen on nodes 1 and 2; a reconnect on another node within the grace period never shows offline; offline once after it', async () => {
    const xavier = await newWorkspaceMember(asServer(cluster.url), team);
    const watchers = [track(await socketOn(cluster, 1, team.owner)), track(await socketOn(cluster, 2, team.owner))];

    const first = track(await socketOn(cluster, 0, xavier));
    for (const [i, w] of watchers.entries()) {
      await w.next('presence', (f) => f.userId === xavier.user.id && f.status === 'online', { timeoutMs: CROSS_MS }).catch((err: Error) => {
        throw new Error(`the watcher on node-${i + 1} did not see online (from node-0): ${err.message.slice(0, 400)}`);
      });
    }

    // A reload that lands on another node: closed on node 0, open again on node 2 well inside the grace period.
    await first.close();
    const second = track(await socketOn(cluster, 2, xavier));
    await sleep(GRACE_MS + QUIET_MS);
    for (const [i, w] of watchers.entries()) assert.deepEqual(heard(w, xavier.user.id), ['online'], `watcher ${i}: no offline, no second online`);
    const snapshot = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/presence`);
    assert.equal(snapshot.status, 200, snapshot.text);
    const status = (snapshot.body.presence as { userId: string; status: string }[]).find((p) => p.userId === xavier.user.id)?.status;
    assert.equal(status, 'online', 'the snapshot, from whichever node, says online');

    // Gone for good: offline after the grace period, once.
    const closedAt = Date.now();
    await second.close();
    await sleep(GRACE_MS / 2);
    for (const w of watchers) assert.deepEqual(heard(w, xavier.user.id), ['online'], 'not offline within the grace period');
    for (const w of watchers) await w.next('presence', (f) => f.userId === xavier.user.id && f.status === 'offline', { timeoutMs: GRACE_MS * 4 });
    assert.ok(Date.now() - closedAt >= GRACE_MS - 100, 'offline no earlier than the grace period');
    for (const w of watchers) {
      const late = await quietFor(w, QUIET_MS, (f) => f.type === 'presence' && f.userId === xavier.user.id);
      assert.deepEqual(late, []);
      assert.deepEqual(heard(w, xavier.user.id), ['online', 'offline'], 'online once, offline once: no flapping');
    }
    for (const w of watchers) await w.close();
  });
});
