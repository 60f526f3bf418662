import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor } from './testSocket.js';

const HEARTBEAT_MS = 200;

describe('WebSocket gateway: heartbeat', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer({ env: { WS_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
    team = await setUpTeam(server, 1);
  });
  after(() => server.close());

  it('a peer that does not answer pings is terminated within a few beats', async () => {
    const started = Date.now();
    const silent = await TestSocket.live(team.members[0]!.client, {}, { autoPong: false });
    const { code } = await silent.waitForClose(1000);
    assert.equal(code, 1006, 'terminated, not closed politely');
    assert.ok(Date.now() - started <= 1000);
  });

  it('a normal client stays connected for more than 1 s and keeps receiving', async () => {
    const socket = await TestSocket.live(team.members[0]!.client);
    await sleep(1200);
    assert.ok(socket.isOpen);
    const m = await send(team.owner, team.channelId, 'still there?');
    await socket.event(team.channelId, m.seq);
    await socket.close();
  });

  it('pings each socket about once per period, however few sockets there are', async () => {
    const sockets = await Promise.all([0, 1, 2].map(() => TestSocket.live(team.members[0]!.client)));
    const pings: number[][] = sockets.map(() => []);
    sockets.forEach((socket, i) => socket.ws.on('ping', () => pings[i]!.push(Date.now())));
    await sleep(HEARTBEAT_MS * 5 + HEARTBEAT_MS / 2);
    for (const times of pings) {
      // About one ping per period: a round over three sockets must not restart every few ticks.
      assert.ok(times.length >= 4 && times.length <= 6, `${times.length} pings in 5.5 periods`);
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= HEARTBEAT_MS * 0.7, 'no ping sooner than a period after the last');
    }
    for (const socket of sockets) assert.ok(socket.isOpen, 'answering sockets stay');
    await Promise.all(sockets.map((s) => s.close()));
  });

  it('ready announces the configured heartbeat interval', async () => {
    const socket = await TestSocket.connect(team.members[0]!.client);
    assert.equal(socket.ofType('ready')[0]?.heartbeatMs, HEARTBEAT_MS, 'ready.heartbeatMs is the interval the server pings at (WS_HEARTBEAT_MS)');
    await socket.close();
  });
});

describe('WebSocket gateway: shutdown', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 1);
  });

  it('closing the server closes every open socket with 1012, resumed or not', async () => {
    const live = await TestSocket.live(team.members[0]!.client);
    const waiting = await TestSocket.connect(team.owner.client);
    const ticket = await ticketFor(team.owner.client);
    await server.close();
    for (const socket of [live, waiting]) {
      const { code, reason } = await socket.waitForClose(3000);
      assert.equal(code, 1012);
      assert.ok(reason.length > 0);
    }
    await assert.rejects(new TestSocket(server.url, ticket).opened, 'nothing accepts connections any more');
  });
});
