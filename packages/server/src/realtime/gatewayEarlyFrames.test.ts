import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { eventPage, fullHistory, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, ticketFor } from './testSocket.js';

/**
 * The upgrade is complete when the client's `open` fires; what it sends from then on must be
 * answered (or refused with an error), never silently dropped while the server still checks the
 * ticket and loads memberships.
 */
for (const database of DATABASES) {
  describe(`WebSocket gateway: frames sent as soon as the socket opens (${database})`, () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer({ database });
    team = await setUpTeam(server, 1);
  });
  after(() => server.close());

  it('a resume and a send written on open (before ready) are both answered', async () => {
    const lastSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const socket = new TestSocket(server.url, await ticketFor(team.members[0]!.client));
    const clientMessageId = randomUUID();
    socket.ws.once('open', () => {
      socket.send({ type: 'resume', ref: 'early-resume', channels: { [team.channelId]: lastSeq } });
      socket.send({ type: 'send', ref: 'early-send', channelId: team.channelId, body: 'sent on open', clientMessageId });
    });
    await socket.next('ready');
    const resumed = await socket.next('resumed', () => true, { timeoutMs: 2000 });
    assert.equal(resumed.channelId, team.channelId);
    const ack = await socket.next('ack', (f) => f.ref === 'early-send', { timeoutMs: 2000 });
    await socket.event(team.channelId, ack.message!.seq);
    assert.equal((await fullHistory(team.owner, team.channelId)).filter((m) => m.clientMessageId === clientMessageId).length, 1);
    await socket.close();
  });
});
}
