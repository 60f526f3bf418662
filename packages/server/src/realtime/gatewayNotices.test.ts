import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';
import { send, setUpTeam, signUp, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep } from './testSocket.js';

const SETTLE_MS = 250;

describe('WebSocket gateway: typing and read-state sync', () => {
  let server: TestServer;
  let team: Team;
  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 2);
  });
  after(() => server.close());

  it('typing reaches the other members of the channel, not the typist, throttled per channel', async () => {
    const [alice, bob] = team.members;
    const typist = await TestSocket.live(alice!.client);
    const watcher = await TestSocket.live(bob!.client);
    try {
      typist.send({ type: 'typing', channelId: team.channelId });
      const notice = await watcher.next('typing');
      assert.deepEqual(notice, { type: 'typing', channelId: team.channelId, userId: alice!.user.id });
      // Within the throttle window further notices are not forwarded.
      typist.send({ type: 'typing', channelId: team.channelId });
      typist.send({ type: 'typing', channelId: team.channelId });
      await sleep(SETTLE_MS);
      assert.equal(watcher.frames.filter((f) => f.type === 'typing').length, 1);
      assert.equal(typist.frames.filter((f) => f.type === 'typing').length, 0, 'no echo to the typist');
    } finally {
      await typist.close();
      await watcher.close();
    }
  });

  it('typing is refused where one is not a member, and never reaches non-members', async () => {
    const outsider = await signUp(server);
    const outsiderSocket = await TestSocket.live(outsider.client);
    const member = await TestSocket.live(team.members[0]!.client);
    try {
      outsiderSocket.send({ type: 'typing', channelId: team.channelId });
      const refusal = await outsiderSocket.next('error');
      assert.equal(refusal.code, 'NOT_FOUND', 'another tenant’s channel does not exist for them, as over REST');
      // A member types: the outsider (not following the channel) hears nothing.
      await sleep(2_100); // past the member's throttle window from the previous test
      member.send({ type: 'typing', channelId: team.channelId });
      await sleep(SETTLE_MS);
      assert.equal(outsiderSocket.frames.filter((f) => f.type === 'typing').length, 0);
    } finally {
      await outsiderSocket.close();
      await member.close();
    }
  });

  it('marking read on one connection updates the same user’s other connections, also when done over REST', async () => {
    const [alice, bob] = team.members;
    const tabA = await TestSocket.live(bob!.client);
    const secondDevice = new TestClient(server.url);
    await secondDevice.post('/api/v1/auth/login', { username: bob!.user.username, password: 'correct horse battery' });
    const tabB = await TestSocket.live(secondDevice);
    try {
      const first = await send(alice!, team.channelId, 'read me');
      const ack = await tabA.request({ type: 'read', ref: 'r1', channelId: team.channelId, seq: first.seq });
      assert.equal(ack.type, 'ack');
      const moved = await tabB.next('read');
      assert.deepEqual(moved, { type: 'read', channelId: team.channelId, lastReadSeq: first.seq });

      const second = await send(alice!, team.channelId, 'read me too');
      const rest = await secondDevice.post(`/api/v1/channels/${team.channelId}/read`, { seq: second.seq });
      assert.equal(rest.status, 200);
      const viaRest = await tabA.next('read', (f) => f.lastReadSeq === second.seq);
      assert.equal(viaRest.channelId, team.channelId);
    } finally {
      await tabA.close();
      await tabB.close();
    }
  });
});
