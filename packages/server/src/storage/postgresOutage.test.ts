import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type PgCluster } from '../testing/postgres.js';
import { ServerProcess } from '../testing/serverProcess.js';
import pg from 'pg';
import type { TestServer } from '../testing/testServer.js';
import { RestSender, checkDurability, chatClients, clientAt, untilAcked, type Deployment } from '../testing/durabilityChecker.js';
import { assertError, eventPage, postMessage, setUpTeam, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor } from '../realtime/testSocket.js';

const SENDS = 20;

/**
 * PostgreSQL goes away under load, as in a routine `pg_ctl stop -m fast` (every session is
 * ended with 57P01) or a crash (`-m immediate`), and comes back on the same address. RelayDesk
 * runs as its own process (its death would be the bug), on a cluster of this test's own, since
 * the test stops it.
 */
describe('storage faults: PostgreSQL stops and starts again under load', () => {
  let cluster: PgCluster;
  let server: ServerProcess;
  let url: string;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-pg-outage-'));
  before(async () => {
    cluster = await startPostgres({ crashSafe: true });
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE relaydesk');
    await admin.end();
    const databaseUrl = new URL(cluster.adminUrl);
    databaseUrl.pathname = '/relaydesk';
    ({ proc: server, url } = await ServerProcess.start({ cwd, env: { DATABASE_URL: databaseUrl.toString(), SEED_DEMO: 'false' } }));
  });
  after(async () => {
    await server?.kill();
    await cluster?.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  async function scenario(mode: 'fast' | 'immediate'): Promise<void> {
    const proc = server;
    const team = await setUpTeam({ url } as TestServer, 3);
    const [probe, ...senders] = [team.owner, ...team.members] as [Person, ...Person[]];
    const startSeq = (await eventPage(probe, team.channelId, 0, 1)).lastSeq;
    const probeSocket = await TestSocket.live(probe.client);
    const deployment: Deployment = { url };
    const clients = chatClients(senders, team.channelId, startSeq, { sends: SENDS, pauseMs: 5 });
    const restSenders = senders.map((p, i) => new RestSender(`r${i}`, p, team.channelId, SENDS / 2));
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined); // awaited below; a failure must not go unhandled before that
    await untilAcked(clients, SENDS / 2);
    const ticket = await ticketFor(clientAt(probe, url));

    await cluster.halt(mode);
    await sleep(300);
    assert.ok(proc.alive, `RelayDesk must survive the database going away; its output:\n${proc.output.slice(-3000)}`);
    await assertStorageUnavailable(url, probe, probeSocket, team.channelId, ticket);

    await cluster.resume();
    // Recovered by itself: reads, writes, the socket and /ready, without a restart of RelayDesk.
    const afterwards = await postMessage({ client: clientAt(probe, url), user: probe.user }, team.channelId, 'after the restart', { clientMessageId: 'probe-after' });
    assert.equal(afterwards.status, 201, afterwards.text);
    const ack = await probeSocket.request({ type: 'send', ref: 'p2', channelId: team.channelId, body: 'socket after', clientMessageId: 'probe-socket' });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    assert.equal((await fetch(`${url}/ready`)).status, 200);
    await running;
    assert.ok(proc.alive);
    assert.ok(clients.some((c) => c.errors.includes('STORAGE_UNAVAILABLE')), 'the socket clients saw the outage');
    for (const c of clients) assert.deepEqual(c.errors.filter((e) => e !== 'STORAGE_UNAVAILABLE'), [], `${c.name}: only storage errors`);
    for (const r of restSenders) assert.deepEqual(r.statuses.filter((s) => s !== 201 && s !== 200 && s !== 503), [], `${r.name}: 201, or 503 during the outage`);

    // The log names the cause of each refusal, and nothing went unhandled.
    assert.match(proc.output, /"msg":"storage unavailable: (57P01|57P03|Connection terminated|connect ECONNREFUSED|read ECONNRESET)/);
    assert.doesNotMatch(proc.output, /unhandled error|realtime operation failed/);

    await checkDurability({ url, reader: probe, channelId: team.channelId, startSeq, clients, restSenders, alsoAcked: [afterwards.body, ack.type === 'ack' ? ack.message! : afterwards.body] });
    await probeSocket.close();
    for (const c of clients) await c.close();
  }

  /** While the database is down: 503 STORAGE_UNAVAILABLE with Retry-After, an error frame and no ack, a new socket closed with 1013, /ready 503. */
  async function assertStorageUnavailable(url: string, probe: Person, socket: TestSocket, channelId: string, ticket: string): Promise<void> {
    const client = clientAt(probe, url);
    const write = await client.post(`/api/v1/channels/${channelId}/messages`, { body: 'during the outage', clientMessageId: 'probe-down' });
    assertError(write, 503, 'STORAGE_UNAVAILABLE');
    assert.equal(write.headers.get('retry-after'), '5');
    const read = await client.get(`/api/v1/channels/${channelId}/messages`);
    assertError(read, 503, 'STORAGE_UNAVAILABLE');
    assert.ok(read.headers.get('retry-after'));

    const answer = await socket.request({ type: 'send', ref: 'p1', channelId, body: 'socket during the outage', clientMessageId: 'probe-socket-down' });
    assert.equal(answer.type, 'error', JSON.stringify(answer));
    assert.equal(answer.type === 'error' && answer.code, 'STORAGE_UNAVAILABLE');
    assert.equal(socket.ofType('ack').filter((a) => a.ref === 'p1').length, 0, 'nothing acked');

    // A handshake cannot check its ticket: 1013 (come back), not 1011 (a bug); the ticket stays unused.
    const newcomer = new TestSocket(url, ticket);
    assert.deepEqual(await newcomer.closed, { code: 1013, reason: 'storage unavailable: retry in a few seconds' });

    const ready = await client.get('/ready');
    assertError(ready, 503, 'NOT_READY');
    assert.deepEqual(ready.body.error.details, [{ field: 'database', message: 'unreachable' }]);
  }

  it('pg_ctl stop -m fast under load: the process stays up, answers 503 STORAGE_UNAVAILABLE, then recovers; every ack durable, once', () => scenario('fast'));

  it('a PostgreSQL crash (-m immediate) under load: the same', () => scenario('immediate'));
});
