import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis, type RedisServer } from '../testing/redisServer.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { ServerProcess } from '../testing/serverProcess.js';
import { clientAt } from '../testing/durabilityChecker.js';
import { newWorkspaceMember, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor } from '../realtime/testSocket.js';

const GRACE_MS = 1000;

/**
 * A node that dies without a word (kill -9) holds presence and connection slots in Redis that
 * nobody will give back: the surviving nodes reap them once its heartbeat has been silent for the
 * grace period.
 */
describe('a node killed with kill -9: the others reap what it held', () => {
  let redis: RedisServer;
  let db: TestDatabase;
  let survivor: TestServer;
  let doomed: { proc: ServerProcess; url: string };
  let cwd: string;
  let team: Team;

  before(async () => {
    redis = await startRedis();
    db = await createTestDatabase();
    const env = { REDIS_URL: redis.url, PRESENCE_GRACE_MS: String(GRACE_MS), WS_MAX_CONNECTIONS_PER_USER: '2' };
    survivor = await startTestServer({ databaseUrl: db.url, env: { ...env, NODE_ID: 'survivor' } });
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-crash-'));
    doomed = await ServerProcess.start({ cwd, env: { ...env, DATABASE_URL: db.url, NODE_ID: 'doomed', SEED_DEMO: 'false' } });
    team = await setUpTeam(survivor, 0);
  });
  after(async () => {
    await doomed?.proc.kill();
    await survivor?.close();
    await db?.drop();
    await redis?.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('its users go offline after the grace period, once, and its connections stop counting against the cap', async () => {
    const gina = await newWorkspaceMember(survivor, team);
    const watcher = await TestSocket.live(team.owner.client);
    const onDoomed = [await TestSocket.live(gina.client, {}, { baseUrl: doomed.url }), await TestSocket.live(gina.client, {}, { baseUrl: doomed.url })];
    await watcher.next('presence', (f) => f.userId === gina.user.id && f.status === 'online');
    // At her cap of 2, both on the doomed node: the survivor refuses a third.
    const refused = new TestSocket(survivor.url, await ticketFor(gina.client));
    assert.equal((await refused.waitForClose()).code, 4029);

    const killedAt = Date.now();
    await doomed.proc.kill();
    for (const s of onDoomed) await s.waitForClose();
    const offline = await watcher.next('presence', (f) => f.userId === gina.user.id && f.status === 'offline', { timeoutMs: GRACE_MS + 5000 });
    assert.ok(offline);
    assert.ok(Date.now() - killedAt >= GRACE_MS - 100, 'not before the grace period');
    await sleep(300);
    assert.deepEqual(watcher.ofType('presence').filter((f) => f.userId === gina.user.id).map((f) => f.status), ['online', 'offline']);
    const presence = await clientAt(team.owner, survivor.url).get(`/api/v1/workspaces/${team.workspaceId}/presence`);
    assert.equal((presence.body.presence as { userId: string; status: string }[]).find((p) => p.userId === gina.user.id)?.status, 'offline');

    // The dead node's two slots no longer count: she can connect twice again.
    const back = [await TestSocket.live(gina.client), await TestSocket.live(gina.client)];
    for (const s of [...back, watcher]) await s.close();
  });

  it('a node restarted at once under the same NODE_ID gives back what its previous process held', async () => {
    const env = { REDIS_URL: redis.url, PRESENCE_GRACE_MS: String(GRACE_MS), WS_MAX_CONNECTIONS_PER_USER: '2', DATABASE_URL: db.url, NODE_ID: 'phoenix', SEED_DEMO: 'false' };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-phoenix-'));
    let phoenix = await ServerProcess.start({ cwd: dir, env });
    try {
      const hal = await newWorkspaceMember(survivor, team);
      const watcher = await TestSocket.live(team.owner.client);
      const held = [await TestSocket.live(hal.client, {}, { baseUrl: phoenix.url }), await TestSocket.live(hal.client, {}, { baseUrl: phoenix.url })];
      await watcher.next('presence', (f) => f.userId === hal.user.id && f.status === 'online');
      await phoenix.proc.kill();
      for (const s of held) await s.waitForClose();
      // Back before anyone could reap it: its heartbeat never went silent for long.
      phoenix = await ServerProcess.start({ cwd: dir, env });
      await watcher.next('presence', (f) => f.userId === hal.user.id && f.status === 'offline', { timeoutMs: 5000 });
      const again = [await TestSocket.live(hal.client), await TestSocket.live(hal.client, {}, { baseUrl: phoenix.url })];
      for (const s of [...again, watcher]) await s.close();
    } finally {
      await phoenix.proc.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
