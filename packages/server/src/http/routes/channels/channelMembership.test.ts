import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import {
  assertError,
  assertStatus,
  createChannel,
  createTeam,
  eventSummary,
  makeAdmin,
  memberIdsOf,
  randomId,
  sendMessage,
  signUp,
  sorted,
  type Person,
} from '../workspaces/fixtures.js';

const ch = (id: string) => `/api/v1/channels/${id}`;
const listed = async (p: Person, workspaceId: string) =>
  (await p.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels as { id: string; isMember: boolean; kind: string }[];

/** Every read and write of a channel answers 404 for `p`. */
async function assertLockedOut(p: Person, channelId: string): Promise<void> {
  assertError(await p.client.get(ch(channelId)), 404, 'NOT_FOUND');
  assertError(await p.client.get(`${ch(channelId)}/messages`), 404, 'NOT_FOUND');
  assertError(await p.client.get(`${ch(channelId)}/events?after=0`), 404, 'NOT_FOUND');
  assertError(await p.client.get(`${ch(channelId)}/members`), 404, 'NOT_FOUND');
  assertError(await sendMessage(p, channelId, 'can I still post?'), 404, 'NOT_FOUND');
  assertError(await p.client.post(`${ch(channelId)}/join`), 404, 'NOT_FOUND');
}

for (const database of DATABASES) {
  describe(`channel membership and visibility (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('public channel: members of the workspace read without joining, but must join to post (403 NOT_A_MEMBER)', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const [reader] = members;
      const channel = await createChannel(owner, workspaceId, { name: 'news' });
      assertStatus(await sendMessage(owner, channel.id, 'announcement'), 201);

      const view = await reader!.client.get(ch(channel.id));
      assertStatus(view, 200);
      assert.equal(view.body.isMember, false);
      assert.deepEqual((await reader!.client.get(`${ch(channel.id)}/messages`)).body.messages.map((m: any) => m.body), ['announcement']);
      assertStatus(await reader!.client.get(`${ch(channel.id)}/events?after=0`), 200);
      assertError(await sendMessage(reader!, channel.id, 'me too'), 403, 'NOT_A_MEMBER');

      const joined = await reader!.client.post(`${ch(channel.id)}/join`);
      assertStatus(joined, 200);
      assert.equal(joined.body.isMember, true);
      assertStatus(await reader!.client.post(`${ch(channel.id)}/join`), 200);
      assertStatus(await sendMessage(reader!, channel.id, 'me too'), 201);
      assert.deepEqual(await eventSummary(owner, channel.id), [
        `member.joined:${owner.id}`,
        'message.created',
        `member.joined:${reader!.id}`,
        'message.created',
      ], 'joining twice records one event');

      assertStatus(await reader!.client.post(`${ch(channel.id)}/leave`), 204);
      assertError(await sendMessage(reader!, channel.id, 'after leaving'), 403, 'NOT_A_MEMBER');
      assertError(await reader!.client.post(`${ch(channel.id)}/leave`), 404, 'NOT_FOUND');
      assert.equal((await eventSummary(owner, channel.id)).at(-1), `member.left:${reader!.id}`);
    });

    it('the channel list shows public channels (with isMember), my private channels and my DMs only', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [me, other] = members;
      const joinedPublic = await createChannel(owner, workspaceId, { name: 'joined' });
      const otherPublic = await createChannel(owner, workspaceId, { name: 'not-joined' });
      assertStatus(await me!.client.post(`${ch(joinedPublic.id)}/join`), 200);
      const myPrivate = await createChannel(other!, workspaceId, { name: 'with-me', kind: 'private', memberIds: [me!.id] });
      const theirPrivate = await createChannel(other!, workspaceId, { name: 'without-me', kind: 'private' });
      const myDm = (await me!.client.post(`/api/v1/workspaces/${workspaceId}/conversations`, { userIds: [owner.id] })).body.id;
      const theirDm = (await other!.client.post(`/api/v1/workspaces/${workspaceId}/conversations`, { userIds: [owner.id] })).body.id;

      const mine = await listed(me!, workspaceId);
      const byId = new Map(mine.map((c) => [c.id, c]));
      assert.deepEqual(sorted([...byId.keys()]), sorted([joinedPublic.id, otherPublic.id, myPrivate.id, myDm]));
      assert.equal(byId.get(joinedPublic.id)!.isMember, true);
      assert.equal(byId.get(otherPublic.id)!.isMember, false);
      assert.equal(byId.get(myPrivate.id)!.isMember, true);
      assert.deepEqual(sorted((byId.get(myDm) as any).memberIds), sorted([me!.id, owner.id]));
      assert.ok(!byId.has(theirPrivate.id) && !byId.has(theirDm), 'others’ private channels and DMs are not listed');
    });

    it('private channel: invisible to non-members (404 on read, write, join), members add members', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 3);
      const [creator, invited, outsider] = members;
      const secret = await createChannel(creator!, workspaceId, { name: 'secret', kind: 'private' });
      await assertLockedOut(outsider!, secret.id);
      await assertLockedOut(owner, secret.id);
      assertError(await outsider!.client.post(`${ch(secret.id)}/members`, { userId: outsider!.id }), 404, 'NOT_FOUND');

      assertStatus(await creator!.client.post(`${ch(secret.id)}/members`, { userId: invited!.id }), 204);
      assertStatus(await invited!.client.get(ch(secret.id)), 200);
      assertStatus(await sendMessage(invited!, secret.id, 'thanks for the invite'), 201);
      assertStatus(await invited!.client.post(`${ch(secret.id)}/members`, { userId: owner.id }), 204);
      assertStatus(await creator!.client.post(`${ch(secret.id)}/members`, { userId: owner.id }), 204);
      assert.deepEqual(await memberIdsOf(creator!, secret.id), sorted([creator!.id, invited!.id, owner.id]));
      assert.deepEqual(await eventSummary(creator!, secret.id), [
        `member.joined:${creator!.id}`,
        `member.joined:${invited!.id}`,
        'message.created',
        `member.joined:${owner.id}`,
      ], 'adding an existing member records nothing');

      assertError(await creator!.client.post(`${ch(secret.id)}/members`, { userId: randomId() }), 404, 'NOT_FOUND');
      const stranger = await signUp(server);
      assertError(await creator!.client.post(`${ch(secret.id)}/members`, { userId: stranger.id }), 404, 'NOT_FOUND');
      assertError(await creator!.client.post(`${ch(secret.id)}/members`, { userId: invited!.id, role: 'x' }), 400, 'VALIDATION_FAILED');
      assert.ok(!(await listed(outsider!, workspaceId)).some((c) => c.id === secret.id));
    });

    it('after removal from a private channel, reads and writes fail at once with 404', async () => {
      const { workspaceId, members } = await createTeam(server, 2);
      const [creator, removed] = members;
      const secret = await createChannel(creator!, workspaceId, { name: 'inner-circle', kind: 'private', memberIds: [removed!.id] });
      assertStatus(await sendMessage(removed!, secret.id, 'I was here'), 201);
      assertStatus(await removed!.client.get(`${ch(secret.id)}/events?after=0`), 200);

      assertStatus(await creator!.client.delete(`${ch(secret.id)}/members/${removed!.id}`), 204);
      await assertLockedOut(removed!, secret.id);
      assert.ok(!(await listed(removed!, workspaceId)).some((c) => c.id === secret.id));
      assert.equal((await eventSummary(creator!, secret.id)).at(-1), `member.left:${removed!.id}`);
    });

    it('removing others: the creator and workspace admins may, other members get 403; anyone may remove themselves', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 4);
      const [creator, admin, plain, target] = members;
      await makeAdmin(owner, workspaceId, admin!);
      const channel = await createChannel(creator!, workspaceId, { name: 'room', memberIds: [admin!.id, plain!.id, target!.id] });
      const remove = (actor: Person, who: Person) => actor.client.delete(`${ch(channel.id)}/members/${who.id}`);

      assertError(await remove(plain!, target!), 403, 'FORBIDDEN');
      assertStatus(await remove(creator!, target!), 204);
      assertError(await remove(creator!, target!), 404, 'NOT_FOUND');
      assertStatus(await remove(admin!, plain!), 204);
      assertStatus(await remove(admin!, admin!), 204);
      assert.deepEqual(await memberIdsOf(creator!, channel.id), [creator!.id]);
      assert.deepEqual(await eventSummary(creator!, channel.id), [
        `member.joined:${creator!.id}`,
        `member.joined:${admin!.id}`,
        `member.joined:${plain!.id}`,
        `member.joined:${target!.id}`,
        `member.left:${target!.id}`,
        `member.left:${plain!.id}`,
        `member.left:${admin!.id}`,
      ]);
    });

    it('an admin who has not joined a public channel can still add members; a non-member who is not an admin cannot (403)', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 3);
      const [admin, plain, newcomer] = members;
      await makeAdmin(owner, workspaceId, admin!);
      const channel = await createChannel(owner, workspaceId, { name: 'lobby' });
      assertError(await plain!.client.post(`${ch(channel.id)}/members`, { userId: newcomer!.id }), 403, 'NOT_A_MEMBER');
      assertStatus(await admin!.client.post(`${ch(channel.id)}/members`, { userId: newcomer!.id }), 204);
      assert.deepEqual(await memberIdsOf(owner, channel.id), sorted([owner.id, newcomer!.id]));
    });
  });
}
