import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCodes } from '@relaydesk/protocol';
import { sendMessage } from '../actions/messageSender.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { eventPage, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket } from './testSocket.js';

const metric = async (server: TestServer, name: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

describe('WebSocket gateway: slow consumers', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 2);
  });
  after(() => server.close());

  it('a socket that stops reading is closed with 4009 while a reading one gets everything; the slow one can resume', async () => {
    const slow = await TestSocket.live(team.members[0]!.client);
    const reader = await TestSocket.live(team.members[1]!.client);
    const start = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    slow.tcp.pause();

    // Large messages until the server gives up on the slow socket (over 1 MiB queued beyond the kernel's buffers).
    const body = 'x'.repeat(9000);
    let sent = 0;
    while ((await metric(server, 'relaydesk_ws_slow_consumer_disconnects_total')) < 1) {
      assert.ok(sent < 3000, `no 4009 after ${sent} messages of 9,000 characters`);
      for (let i = 0; i < 50; i++, sent++) await sendMessage(server.ctx, team.owner.user.id, team.channelId, { body: `${body} ${sent}` });
    }
    const head = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;

    slow.tcp.resume();
    const { code } = await slow.waitForClose(5000);
    assert.equal(code, CloseCodes.slowConsumer);
    const got = slow.events(team.channelId).map((e) => e.seq);
    assert.ok(got.length < sent, 'it was cut off');
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => start + 1 + i), 'what it got is a gap-free prefix');

    await reader.event(team.channelId, head, 8000);
    assert.equal(reader.events(team.channelId).length, head - start, 'the reading client got every event, once');
    assert.ok(reader.isOpen);

    // Reconnect and resume from the last seq it has: the rest, or a reset when too far behind.
    const again = await TestSocket.connect(team.members[0]!.client);
    await again.resume({ [team.channelId]: got.at(-1) ?? start }, 8000);
    if (again.ofType('reset').length === 0) {
      assert.deepEqual(again.events(team.channelId).map((e) => e.seq), Array.from({ length: head - (got.at(-1) ?? start) }, (_, i) => (got.at(-1) ?? start) + 1 + i));
    } else {
      assert.equal(again.ofType('reset')[0]?.lastSeq, head);
    }
    assert.equal(await metric(server, 'relaydesk_ws_connections'), 2);
    await again.close();
    await reader.close();
  });
});
