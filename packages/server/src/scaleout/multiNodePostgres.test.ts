import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@relaydesk/protocol';
import { Cluster } from '../testing/cluster.js';
import { BalancedRestSender, StoppableDeployment, asServer, openEndedClients, personAt, probe, socketOn, stopRestSending, stopSending, waitUntil } from '../testing/clusterClients.js';
import { checkDurability, untilAcked, type ChatClient } from '../testing/durabilityChecker.js';
import { eventPage, postMessage, setUpTeam } from '../http/routes/messages/fixtures.js';
import type { TestSocket } from '../realtime/testSocket.js';

/**
 * A PostgreSQL restart under a scaled-out deployment (PRODUCT.md, "Storage faults" and
 * "Scale-out"): the cluster has a PostgreSQL server of its own, stopped with `pg_ctl -m fast`
 * semantics (every session ended) while clients send through nginx to 3 nodes, then started
 * again on the same port and data. While it is down, sends fail clearly (REST 503
 * STORAGE_UNAVAILABLE with Retry-After, a socket error frame with that code), nothing is acked,
 * every node's /ready is 503 and no node exits; once it is back the clients' retries go through
 * and nothing acknowledged is lost.
 */
const NODES = 3;
/** How long the database stays down: long enough for every client to hit it. */
const OUTAGE_MS = 1500;

describe('scale-out: a PostgreSQL restart under load, 3 nodes behind nginx', () => {
  let cluster: Cluster;
  let clients: ChatClient[] = [];
  const opened: TestSocket[] = [];

  before(async () => {
    cluster = await Cluster.start({ nodes: NODES, balancer: 'nginx', ownPostgres: true });
  });
  const deployments: StoppableDeployment[] = [];
  after(async () => {
    for (const d of deployments) d.end();
    for (const s of opened) await s.close().catch(() => undefined);
    for (const c of clients) await c.close().catch(() => undefined);
    await cluster?.close();
  });

  it('sends during the outage answer 503 STORAGE_UNAVAILABLE (REST) and an error frame (socket); the clients retry; nothing acked is lost; every node stays up', () => cluster.explained(async () => {
    const team = await setUpTeam(asServer(cluster.url), 3);
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const deployment = new StoppableDeployment(cluster.url);
    deployments.push(deployment);
    clients = openEndedClients(people, team.channelId, startSeq, { sends: 300, pauseMs: 20 });
    const restSenders = [new BalancedRestSender('r0', team.members[0]!, team.channelId, 100)];
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined);

    // A socket straight on node 1, opened before the outage (a ticket needs the database).
    const prober = team.members[2]!;
    const probeSocket = await socketOn(cluster, 1, prober, { [team.channelId]: startSeq });
    opened.push(probeSocket);

    await untilAcked(clients, 20);
    await cluster.haltPostgres('fast');
    const down = Date.now();
    const ackedAtHalt = clients.reduce((n, c) => n + c.acked.size, 0);

    // REST straight on node 0.
    const restProbe = await postMessage(personAt(prober, cluster.node(0).url), team.channelId, 'during the outage (REST)', { clientMessageId: 'outage-rest' });
    assert.equal(restProbe.status, 503, restProbe.text);
    assert.equal((restProbe.body as unknown as { error: { code: string } }).error.code, 'STORAGE_UNAVAILABLE', restProbe.text);
    assert.ok(Number(restProbe.headers.get('retry-after')) >= 1, 'Retry-After');
    // A socket send on node 1.
    const wsProbe = await probeSocket.request({ type: 'send', ref: 'outage', channelId: team.channelId, body: 'during the outage (socket)', clientMessageId: 'outage-ws' }, 8000);
    assert.equal(wsProbe.type, 'error', JSON.stringify(wsProbe));
    assert.equal(wsProbe.type === 'error' && wsProbe.code, 'STORAGE_UNAVAILABLE', JSON.stringify(wsProbe));
    assert.ok(probeSocket.isOpen, 'the socket stays open through the outage');
    // Every node says it is not ready, naming the database.
    for (const n of cluster.nodes) {
      await waitUntil(`${n.id}: /ready 503 naming the database`, async () => {
        const r = await probe(`${n.url}/ready`, 3000);
        return r.status === 503 && JSON.stringify(r.body).includes('database') ? r : undefined;
      }, 5000);
    }
    // The clients hit the outage too, and were told so (not hung, not acked).
    await waitUntil('the socket clients were told STORAGE_UNAVAILABLE', async () => (clients.some((c) => c.errors.includes('STORAGE_UNAVAILABLE')) ? true : undefined), 5000);
    const sleepLeft = OUTAGE_MS - (Date.now() - down);
    if (sleepLeft > 0) await new Promise((r) => setTimeout(r, sleepLeft));
    const ackedDuringOutage = clients.reduce((n, c) => n + c.acked.size, 0) - ackedAtHalt;
    assert.ok(ackedDuringOutage <= clients.length, `at most the sends in flight at the halt were acked while it was down (${ackedDuringOutage})`);

    await cluster.resumePostgres();
    // The probes, retried with the same clientMessageId once the database is back, go through once.
    const restRetry = await waitUntil('the REST probe, retried, is created', async () => {
      const r = await postMessage(personAt(prober, cluster.node(0).url), team.channelId, 'during the outage (REST)', { clientMessageId: 'outage-rest' });
      return r.status === 201 || r.status === 200 ? r.body : undefined;
    }, 15_000, 100);
    const wsRetry = await waitUntil('the socket probe, retried, is acked', async () => {
      const r = await probeSocket.request({ type: 'send', ref: `retry-${Date.now()}`, channelId: team.channelId, body: 'during the outage (socket)', clientMessageId: 'outage-ws' }, 5000);
      return r.type === 'ack' ? r.message : undefined;
    }, 15_000, 100);

    // Sends go through again on every path, then the load ends.
    const resumedAt = clients.reduce((n, c) => n + c.acked.size, 0);
    await untilAcked(clients, resumedAt + 20, 15_000);
    for (const c of clients) assert.ok(c.acked.size < c.options.sends, `${c.name} was still sending through the outage and the recovery`);
    stopSending(clients);
    stopRestSending(restSenders);
    await running;
    assert.ok(cluster.allAlive(), `no node exited:\n${cluster.describe()}`);
    for (let i = 0; i < NODES; i++) await cluster.waitReady(i, 10_000);
    await checkDurability({
      url: cluster.url,
      reader: team.owner,
      channelId: team.channelId,
      startSeq,
      clients,
      restSenders,
      alsoAcked: [restRetry as Message, wsRetry as Message],
    });
    assert.ok(restSenders[0]!.statuses.includes(503) || clients.some((c) => c.errors.length > 0), 'the load met the outage');
  }));
});
