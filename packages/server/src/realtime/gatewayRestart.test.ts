import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, type RunningServer } from '../server.js';
import { startTestServer } from '../testing/testServer.js';
import { eventPage, setUpTeam } from '../http/routes/messages/fixtures.js';
import { checkDurability, chatClients, untilAcked, type Deployment } from '../testing/durabilityChecker.js';

const CLIENTS = 3;
const SENDS = 30;

describe('WebSocket gateway: a server restart in the middle of a conversation (sqlite)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function scenario(pipelined: boolean): Promise<void> {
    const server = await startTestServer();
    const servers: { restarted?: RunningServer } = {};
    cleanups.push(async () => {
      if (servers.restarted) await servers.restarted.close();
      else await server.close();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    });
    const team = await setUpTeam(server, CLIENTS - 1);
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const clients = chatClients(people, team.channelId, startSeq, { sends: SENDS, pipelined });
    const deployment: Deployment = { url: server.url };

    const running = Promise.all(clients.map((c) => c.run(deployment)));
    await untilAcked(clients, (CLIENTS * SENDS) / 2);

    // Restart: the sockets open at this moment must be told 1012.
    const openAtShutdown = clients.map((c) => c.socket!).filter((s) => s.isOpen);
    deployment.url = undefined;
    await server.app.close();
    await server.storage.close();
    const restarted = (servers.restarted = await startServer(server.config));
    deployment.url = restarted.url;
    await running;

    assert.ok(openAtShutdown.length > 0);
    for (const s of openAtShutdown) assert.equal(s.closeInfo?.code, 1012, `close code of a socket open at shutdown: ${JSON.stringify(s.closeInfo)}`);
    // Durable, each change seen once, in order, by every client, from where it started to the head.
    await checkDurability({ url: restarted.url, reader: team.owner, channelId: team.channelId, startSeq, clients });
    for (const c of clients) assert.ok(c.sockets.length >= 2, `${c.name} reconnected`);
    for (const c of clients) await c.close();
  }

  it('3 clients x 30 sends across a restart (resume, wait for resumed, retry): every ack durable, each change seen once, in order', () => scenario(false));

  it('the same with clients that retry right after resume, without waiting for resumed', () => scenario(true));
});
