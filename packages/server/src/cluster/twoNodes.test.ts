import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from '../testing/redisServer.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { clientAt } from '../testing/durabilityChecker.js';
import { TestClient } from '../testing/httpClient.js';
import { seedDemo } from '../seed/demo.js';
import { allEvents, newWorkspaceMember, send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor } from '../realtime/testSocket.js';

const GRACE_MS = 800;

/**
 * Two nodes in this process on one PostgreSQL database and one Redis: what crosses between them
 * (the bus, presence, caps, revocation, live figures) and how they get over Redis going away.
 * The multi-node suite (scaleout/) runs the same behind real balancers with processes.
 */
describe('two nodes on one PostgreSQL and one Redis', () => {
  let redis: RedisServer;
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let team: Team;

  before(async () => {
    redis = await startRedis();
    db = await createTestDatabase();
    const env = { REDIS_URL: redis.url, PRESENCE_GRACE_MS: String(GRACE_MS), WS_MAX_CONNECTIONS_PER_USER: '3' };
    a = await startTestServer({ databaseUrl: db.url, env: { ...env, NODE_ID: 'node-a' } });
    b = await startTestServer({ databaseUrl: db.url, env: { ...env, NODE_ID: 'node-b' } });
    team = await setUpTeam(a, 2);
  });
  after(async () => {
    await a.close();
    await b.close();
    await db.drop();
    await redis.stop();
  });

  it('a message sent on one node reaches sockets on the other, once and in order; typing crosses too', async () => {
    const [bob] = team.members;
    const onB = await TestSocket.live(bob!.client, {}, { baseUrl: b.url });
    const onA = await TestSocket.live(team.owner.client);
    const sent = [];
    for (let i = 0; i < 20; i++) sent.push(await send(team.owner, team.channelId, `cross ${i}`));
    const last = sent.at(-1)!;
    await onB.event(team.channelId, (await allEvents(team.owner, team.channelId)).at(-1)!.seq);
    const seqs = onB.events(team.channelId).map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in order');
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicate');
    assert.equal(onB.created(team.channelId, last.id).length, 1);

    onB.send({ type: 'typing', channelId: team.channelId });
    const typing = await onA.next('typing', (f) => f.userId === bob!.user.id);
    assert.equal(typing.channelId, team.channelId);
    await onA.close();
    await onB.close();
  });

  it('app events published on one node reach subscribers on the other, in order', async () => {
    const [bob] = team.members;
    const onB = await TestSocket.live(bob!.client, {}, { baseUrl: b.url });
    await onB.request({ type: 'subscribe', ref: 'sub', workspaceId: team.workspaceId, topics: { checkins: 0 } });
    await onB.next('subscribed');
    for (let i = 1; i <= 5; i++) {
      const res = await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/app-events`, { topic: 'checkins', type: 'in', data: { i } }, { headers: { 'idempotency-key': `two-nodes-${i}` } });
      assert.equal(res.status, 201, res.text);
    }
    await onB.waitForCount((f) => f.type === 'app_event', 5, { timeoutMs: 5000 });
    assert.deepEqual(onB.ofType('app_event').map((f) => f.event.seq), [1, 2, 3, 4, 5]);
    await onB.close();
  });

  it('presence crosses nodes, and a move to the other node within the grace period does not flap', async () => {
    const carol = await newWorkspaceMember(a, team);
    const watcher = await TestSocket.live(team.owner.client, {}, { baseUrl: b.url });
    const heard = () => watcher.ofType('presence').filter((f) => f.userId === carol.user.id).map((f) => f.status);
    const tab = await TestSocket.live(carol.client);
    await watcher.next('presence', (f) => f.userId === carol.user.id && f.status === 'online');
    // Reload onto the other node: the new connection is up before the old one's grace runs out.
    const moved = await TestSocket.live(carol.client, {}, { baseUrl: b.url });
    await tab.close();
    await sleep(GRACE_MS + 400);
    assert.deepEqual(heard(), ['online'], 'no offline, no second online');
    await moved.close();
    await watcher.next('presence', (f) => f.userId === carol.user.id && f.status === 'offline', { timeoutMs: GRACE_MS + 3000 });
    assert.deepEqual(heard(), ['online', 'offline']);
    await watcher.close();
  });

  it('the per-user connection cap counts both nodes, and a closed socket gives its slot back', async () => {
    const dave = await newWorkspaceMember(a, team);
    const open = [
      await TestSocket.live(dave.client),
      await TestSocket.live(dave.client, {}, { baseUrl: b.url }),
      await TestSocket.live(dave.client),
    ];
    const fourth = new TestSocket(b.url, await ticketFor(dave.client));
    assert.equal((await fourth.waitForClose()).code, 4029);
    await open.pop()!.close();
    await sleep(200);
    const again = await TestSocket.live(dave.client, {}, { baseUrl: b.url });
    for (const s of [...open, again]) await s.close();
  });

  it('a ticket is consumed once across nodes; a logout on one node closes the socket on the other', async () => {
    const erin = await newWorkspaceMember(a, team);
    const ticket = (await erin.client.post('/api/v1/auth/ws-ticket')).body.ticket as string;
    const first = new TestSocket(b.url, ticket);
    await first.next('ready');
    const replay = new TestSocket(a.url, ticket);
    assert.equal((await replay.waitForClose()).code, 4001);
    const logout = await erin.client.post('/api/v1/auth/logout');
    assert.equal(logout.status, 204, logout.text);
    assert.equal((await first.waitForClose()).code, 4004);
  });

  it('the admin figures count connections on both nodes', async () => {
    const frank = await newWorkspaceMember(a, team);
    const sockets = [await TestSocket.live(frank.client), await TestSocket.live(frank.client, {}, { baseUrl: b.url })];
    await send(team.owner, team.channelId, 'counted');
    await sleep(1300); // the message counters are summed in Redis once a second
    const stats = await clientAt(team.owner, b.url).get(`/api/v1/workspaces/${team.workspaceId}/stats`);
    assert.equal(stats.status, 200, stats.text);
    assert.ok(stats.body.openConnections >= 2, `openConnections ${stats.body.openConnections}`);
    assert.ok(stats.body.messagesPerMinute >= 21, `messagesPerMinute ${stats.body.messagesPerMinute}`);
    for (const s of sockets) await s.close();
  });

  it('Redis restarts: sends are acked meanwhile, and the other node delivers what it missed from storage', async () => {
    const [bob] = team.members;
    const onB = await TestSocket.live(bob!.client, {}, { baseUrl: b.url });
    // Down for a second and back empty (no persistence); the send in between only reaches storage.
    const restarted = redis.restart({ downMs: 1000 });
    await sleep(300);
    const during = await send(team.owner, team.channelId, 'while the bus was away');
    await restarted;
    await onB.waitFor((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.message.id === during.id, { timeoutMs: 8000 });
    const later = await send(team.owner, team.channelId, 'after');
    await onB.waitFor((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.message.id === later.id, { timeoutMs: 8000 });
    const seqs = onB.events(team.channelId).map((e) => e.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicate');
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, 'no gap');
    await onB.close();
  });

  it('nodes that seed an empty database at the same moment seed the demo once, and neither fails', async () => {
    const fresh = await createTestDatabase();
    const nodes = await Promise.all([1, 2].map((i) => startTestServer({ databaseUrl: fresh.url, env: { REDIS_URL: redis.url, NODE_ID: `seed-${i}` } })));
    try {
      // Both look before either writes, as two nodes starting together do.
      const outcomes = await Promise.all(nodes.map((n) => seedDemo(n.ctx)));
      assert.deepEqual(outcomes.sort(), [false, true], 'one seeded, the other stood back');
      const login = await new TestClient(nodes[1]!.url).post('/api/v1/auth/login', { username: 'alice_dev', password: 'demo123' });
      assert.equal(login.status, 200, login.text);
      const seeded = await nodes[0]!.storage.workspaces.listForUser(login.body.user.id);
      assert.deepEqual(seeded.map((w) => w.name), ['Acme'], 'one Acme, not one per node');
    } finally {
      for (const n of nodes) await n.close();
      await fresh.drop();
    }
  });
});
