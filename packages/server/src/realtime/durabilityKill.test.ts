import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATABASES, type TestServer } from '../testing/testServer.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { ServerProcess } from '../testing/serverProcess.js';
import { RestSender, checkDurability, chatClients, untilAcked, type Deployment } from '../testing/durabilityChecker.js';
import { eventPage, setUpTeam } from '../http/routes/messages/fixtures.js';

const SENDS = 16;
const KILLS = 2;

/**
 * kill -9 of the server process, twice, while clients send over sockets and REST; each time a
 * new process starts on the same database (and, for SQLite, the same files: whatever the WAL
 * held when the process died). Nothing shuts down cleanly: no 1012, no checkpoint.
 */
for (const database of DATABASES) {
  describe(`durability: kill -9 of the server under load (${database})`, () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-kill-'));
    let pg: TestDatabase | undefined;
    let proc: ServerProcess | undefined;
    after(async () => {
      await proc?.kill();
      await pg?.drop();
      fs.rmSync(cwd, { recursive: true, force: true });
    });

    it(`${KILLS} kills while 2 socket clients and 2 REST clients send: every ack durable, once; gap-free; each live stream equals the history`, async () => {
      pg = database === 'postgres' ? await createTestDatabase() : undefined;
      // The same secret on every start: the clients' cookies and tickets stay valid.
      const env = { JWT_SECRET: 'durability-kill-test-secret-0123456789abcdef', SEED_DEMO: 'false', ...(pg ? { DATABASE_URL: pg.url } : {}) };
      let url: string;
      ({ proc, url } = await ServerProcess.start({ cwd, env }));
      const team = await setUpTeam({ url } as TestServer, 1);
      const people = [team.owner, ...team.members];
      const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
      const deployment: Deployment = { url };
      const clients = chatClients(people, team.channelId, startSeq, { sends: SENDS });
      const restSenders = people.map((p, i) => new RestSender(`r${i}`, p, team.channelId, SENDS / 2));
      const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
      running.catch(() => undefined); // awaited below; a failure must not go unhandled before that

      for (let kill = 1; kill <= KILLS; kill++) {
        await untilAcked(clients, (kill * clients.length * SENDS) / (KILLS + 1));
        deployment.url = undefined;
        await proc.kill();
        ({ proc, url } = await ServerProcess.start({ cwd, env }));
        deployment.url = url;
      }
      await running;

      for (const c of clients) assert.ok(c.sockets.length > KILLS, `${c.name} reconnected after each kill`);
      await checkDurability({ url, reader: team.owner, channelId: team.channelId, startSeq, clients, restSenders });
      for (const c of clients) await c.close();
    });
  });
}
