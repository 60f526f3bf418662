import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import {
  acceptInvite,
  assertError,
  createChannel,
  createWorkspace,
  eventPage,
  joinChannel,
  markRead,
  newWorkspaceMember,
  send,
  setUpTeam,
  signUp,
  unreadsOf,
  type Person,
  type Team,
} from './fixtures.js';

const counts = async (person: Person, channelId: string) => {
  const u = (await unreadsOf(person)).get(channelId);
  assert.ok(u, `unreads list ${channelId}`);
  return { unreadCount: u.unreadCount, mentionCount: u.mentionCount };
};
const lastSeqOf = async (person: Person, channelId: string) => (await eventPage(person, channelId, 0, 1)).lastSeq;

for (const database of DATABASES) {
  describe(`read state: POST /channels/:id/read and GET /me/unreads (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    it('moves the read marker forward, never back, and caps it at the channel\u2019s last seq', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'read-marker');
      await joinChannel(bob!, channelId);
      for (let i = 0; i < 12; i += 1) await send(alice!, channelId, `m${i}`);
      const lastSeq = await lastSeqOf(alice!, channelId);

      const ten = await markRead(bob!, channelId, 10);
      assert.equal(ten.status, 200, ten.text);
      assert.deepEqual(ten.body, { channelId, lastReadSeq: 10 });
      assert.equal((await markRead(bob!, channelId, 5)).body.lastReadSeq, 10, 'never moves backwards');
      assert.equal((await markRead(bob!, channelId, 0)).body.lastReadSeq, 10);
      assert.equal((await markRead(bob!, channelId, 1_000_000)).body.lastReadSeq, lastSeq, 'capped at lastSeq');
      assert.equal((await unreadsOf(bob!)).get(channelId)!.lastReadSeq, lastSeq);
      await send(alice!, channelId, 'one more');
      assert.equal((await markRead(bob!, channelId, lastSeq + 1)).body.lastReadSeq, lastSeq + 1);
    });

    it('refuses non-members: 403 in a public channel, 404 in a private one or another tenant\u2019s; validates seq', async () => {
      const [alice, bob] = team.members;
      const lurker = await newWorkspaceMember(server, team);
      assertError(await markRead(lurker, team.channelId, 1), 403, 'NOT_A_MEMBER');
      const secret = await createChannel(alice!, team.workspaceId, 'read-secret', { kind: 'private' });
      assertError(await markRead(bob!, secret, 1), 404, 'NOT_FOUND');
      const stranger = await signUp(server);
      assertError(await markRead(stranger, team.channelId, 1), 404, 'NOT_FOUND');
      assertError(await markRead(alice!, team.channelId, -1), 400, 'VALIDATION_FAILED');
      assertError(await alice!.client.post(`/api/v1/channels/${team.channelId}/read`, {}), 400, 'VALIDATION_FAILED');
      assertError(await alice!.client.post(`/api/v1/channels/${team.channelId}/read`, { seq: '3' }), 400, 'VALIDATION_FAILED');
    });

    it('counts unread messages by others and mentions across channels and workspaces in one response', async () => {
      const [alice, bob] = team.members;
      const carol = await signUp(server);
      const other = await createWorkspace(carol, 'Second workspace');
      await acceptInvite(bob!, other.inviteCode);
      const c1 = await createChannel(alice!, team.workspaceId, 'unreads-one');
      const c2 = await createChannel(alice!, team.workspaceId, 'unreads-two');
      const c3 = await createChannel(carol, other.workspaceId, 'unreads-three');
      for (const c of [c1, c2]) await joinChannel(bob!, c);
      await joinChannel(bob!, c3);

      const root = await send(alice!, c1, 'plain one');
      await send(alice!, c1, `hey @${bob!.user.username}`);
      await send(alice!, c1, 'plain two');
      await send(alice!, c1, `thread ping @${bob!.user.username}`, { threadRootId: root.id }); // mention, but not unread
      await send(bob!, c1, `my own @${bob!.user.username} does not count`);
      await send(alice!, c2, 'everyone @channel');
      await send(alice!, c2, 'and @here again');
      await send(carol, c3, `cross-tenant @${bob!.user.username.toUpperCase()}`);
      await send(carol, c3, 'plain in other workspace');

      const unreads = await unreadsOf(bob!);
      assert.deepEqual(await counts(bob!, c1), { unreadCount: 3, mentionCount: 2 });
      assert.deepEqual(await counts(bob!, c2), { unreadCount: 2, mentionCount: 2 });
      assert.deepEqual(await counts(bob!, c3), { unreadCount: 2, mentionCount: 1 });
      assert.equal(unreads.get(c3)!.workspaceId, other.workspaceId);
      assert.equal(unreads.get(c1)!.workspaceId, team.workspaceId);
      assert.equal(unreads.get(c1)!.lastSeq, await lastSeqOf(bob!, c1));
      assert.equal(unreads.get(c1)!.lastReadSeq, 2, 'joining (seq 2, after the creator) marks what came before as read');

      // For alice only bob's message is unread, and his self-mention is no mention of her.
      assert.deepEqual(await counts(alice!, c1), { unreadCount: 1, mentionCount: 0 });
      assert.ok(!(await unreadsOf(carol)).has(c1), 'channels one is not in are not listed');
    });

    it('marking read resets the counts; new messages after the marker count again', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'unreads-reset');
      await joinChannel(bob!, channelId);
      await send(alice!, channelId, `@${bob!.user.username} one`);
      await send(alice!, channelId, 'two');
      assert.deepEqual(await counts(bob!, channelId), { unreadCount: 2, mentionCount: 1 });
      const mark = await markRead(bob!, channelId, (await unreadsOf(bob!)).get(channelId)!.lastSeq);
      assert.equal(mark.status, 200);
      assert.deepEqual(await counts(bob!, channelId), { unreadCount: 0, mentionCount: 0 });
      const three = await send(alice!, channelId, '@channel three');
      await send(alice!, channelId, 'four');
      assert.deepEqual(await counts(bob!, channelId), { unreadCount: 2, mentionCount: 1 });
      await markRead(bob!, channelId, three.seq);
      assert.deepEqual(await counts(bob!, channelId), { unreadCount: 1, mentionCount: 0 });
    });

    it('a mention of a workspace member who is not in the channel does not list the channel for them until they join', async () => {
      const [alice] = team.members;
      const lurker = await newWorkspaceMember(server, team);
      const channelId = await createChannel(alice!, team.workspaceId, 'unreads-lurker');
      await send(alice!, channelId, `@${lurker.user.username} come join`);
      assert.ok(!(await unreadsOf(lurker)).has(channelId));
      await joinChannel(lurker, channelId);
      assert.ok((await unreadsOf(lurker)).has(channelId), 'listed once joined');
    });
  });
}
