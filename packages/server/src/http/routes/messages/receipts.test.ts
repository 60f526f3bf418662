import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertError, createChannel, joinChannel, markRead, newWorkspaceMember, send, setUpTeam, type Person, type Team } from './fixtures.js';

const receipts = (person: Person, messageId: string) => person.client.get(`/api/v1/messages/${messageId}/receipts`);
const readerIds = async (person: Person, messageId: string) => {
  const res = await receipts(person, messageId);
  assert.equal(res.status, 200, res.text);
  return (res.body.readBy as { userId: string }[]).map((r) => r.userId).sort();
};

for (const database of DATABASES) {
  describe(`GET /api/v1/messages/:id/receipts (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 3);
    });
    after(() => server.close());

    it('lists members whose read marker reached the message, with their profiles, never the author', async () => {
      const [alice, bob, carol] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'receipts');
      await joinChannel(bob!, channelId);
      await joinChannel(carol!, channelId);
      const first = await send(alice!, channelId, 'first');
      const second = await send(alice!, channelId, 'second');

      assert.deepEqual(await readerIds(alice!, first.id), []);
      await markRead(bob!, channelId, first.seq);
      await markRead(alice!, channelId, second.seq); // the author reading her own message is no receipt
      const res = await receipts(carol!, first.id);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.readBy, [{ userId: bob!.user.id, username: bob!.user.username, displayName: bob!.user.displayName }]);
      assert.deepEqual(await readerIds(alice!, second.id), [], 'bob read up to the first message only');

      await markRead(carol!, channelId, second.seq);
      assert.deepEqual(await readerIds(alice!, first.id), [bob!.user.id, carol!.user.id].sort());
      assert.deepEqual(await readerIds(alice!, second.id), [carol!.user.id]);
    });

    it('a member who left no longer appears; an unknown message is 404', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'receipts-leave');
      await joinChannel(bob!, channelId);
      const message = await send(alice!, channelId, 'read then leave');
      await markRead(bob!, channelId, message.seq);
      assert.deepEqual(await readerIds(alice!, message.id), [bob!.user.id]);
      assert.equal((await bob!.client.post(`/api/v1/channels/${channelId}/leave`)).status, 204);
      assert.deepEqual(await readerIds(alice!, message.id), []);
      assertError(await receipts(alice!, 'no-such-message'), 404, 'NOT_FOUND');
    });

    it('a private channel\u2019s receipts are 404 to non-members', async () => {
      const [alice, bob] = team.members;
      const secret = await createChannel(alice!, team.workspaceId, 'receipts-secret', { kind: 'private' });
      const message = await send(alice!, secret, 'private');
      assertError(await receipts(bob!, message.id), 404, 'NOT_FOUND');
    });
  });

  describe(`read receipts are limited to channels of up to 50 members (${database})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('works with exactly 50 members and answers 400 RECEIPTS_UNAVAILABLE with 51', async () => {
      // Owner + 49 members = 50 in the channel: registration is fast enough to do this for real.
      const team = await setUpTeam(server, 49);
      const members = await team.owner.client.get(`/api/v1/channels/${team.channelId}/members`);
      assert.equal(members.body.members.length, 50);
      const message = await send(team.owner, team.channelId, 'big room');
      await Promise.all(team.members.slice(0, 30).map((m) => markRead(m, team.channelId, message.seq)));
      assert.equal((await readerIds(team.members[0]!, message.id)).length, 30);

      const fiftyFirst = await newWorkspaceMember(server, team);
      await joinChannel(fiftyFirst, team.channelId);
      assertError(await receipts(team.owner, message.id), 400, 'RECEIPTS_UNAVAILABLE');
      assertError(await receipts(fiftyFirst, message.id), 400, 'RECEIPTS_UNAVAILABLE');
    });
  });
}
