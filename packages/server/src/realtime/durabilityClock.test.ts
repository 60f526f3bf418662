import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestServer } from '../testing/testServer.js';
import { ServerProcess, steppedClock } from '../testing/serverProcess.js';
import { RestSender, checkDurability, chatClients, untilAcked, type Deployment } from '../testing/durabilityChecker.js';
import { eventPage, setUpTeam } from '../http/routes/messages/fixtures.js';
import { sleep } from './testSocket.js';

// 24 sends 150 ms apart stay under the socket's 10 operations a second (burst 20), so any
// RATE_LIMITED here is the bucket misreading the stepped clock, not the clients' pace.
const SENDS = 24;

/**
 * The server's wall clock steps while clients send, as NTP steps it: an hour back, then 70
 * minutes forward. Time decides nothing about order or delivery (seqs do), so the promises hold.
 * The intervals that must not follow the wall clock (rate limits, heartbeats) are tested in
 * clockStep.test.ts; here the clients would notice a wrong one as refusals or lost sockets.
 */
describe('durability: the server clock steps back and forward under load (sqlite, libfaketime)', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-clock-durability-'));
  let proc: ServerProcess | undefined;
  after(async () => {
    await proc?.kill();
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('-1 h, then +70 min, while 2 socket clients and 2 REST clients send: every ack durable, once; gap-free; each live stream equals the history', async () => {
    const clock = steppedClock(cwd);
    let url: string;
    ({ proc, url } = await ServerProcess.start({ cwd, env: { ...clock.env, SEED_DEMO: 'false' } }));
    const team = await setUpTeam({ url } as TestServer, 1);
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const deployment: Deployment = { url };
    const clients = chatClients(people, team.channelId, startSeq, { sends: SENDS, pauseMs: 150 });
    const restSenders = people.map((p, i) => new RestSender(`r${i}`, p, team.channelId, SENDS / 2));
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined); // awaited below; a failure must not go unhandled before that

    /** How far the server's clock is ahead of ours, per its Date header (which Node renews once a second). */
    const serverOffset = async (expect: (offset: number) => boolean): Promise<boolean> => {
      for (let i = 0; i < 30; i++) {
        if (expect(Date.parse((await fetch(`${url}/health`)).headers.get('date')!) - Date.now())) return true;
        await sleep(100);
      }
      return false;
    };
    await untilAcked(clients, (clients.length * SENDS) / 3);
    clock.step('-1h');
    assert.ok(await serverOffset((o) => o < -59 * 60_000), 'the server clock went back an hour');
    await untilAcked(clients, (2 * clients.length * SENDS) / 3);
    // 10 minutes ahead of real time: the access tokens from before the steps are still valid.
    clock.step('+10m');
    assert.ok(await serverOffset((o) => o > 9 * 60_000), 'the server clock is ahead now');
    await running;

    assert.ok(proc.alive);
    for (const c of clients) {
      assert.deepEqual(c.errors, [], `${c.name}: no refusals`);
      assert.equal(c.sockets.length, 1, `${c.name}: its socket stayed open through both steps`);
    }
    for (const r of restSenders) assert.deepEqual(r.statuses.filter((s) => s !== 201), [], `${r.name}: every post created at once`);
    await checkDurability({ url, reader: team.owner, channelId: team.channelId, startSeq, clients, restSenders });
    for (const c of clients) await c.close();
  });
});
