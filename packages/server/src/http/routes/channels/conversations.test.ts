import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import {
  assertError,
  assertStatus,
  createTeam,
  eventSummary,
  openConversation,
  randomId,
  sendMessage,
  signUp,
  sorted,
} from '../workspaces/fixtures.js';

for (const database of DATABASES) {
  describe(`direct and group conversations (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('a DM is created once (201) and then the same channel is answered (200), from either side', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const [friend] = members;
      const first = await openConversation(owner, workspaceId, [friend!]);
      assertStatus(first, 201);
      assert.equal(first.body.kind, 'dm');
      assert.equal(first.body.name, null);
      assert.equal(first.body.slug, null);
      assert.equal(first.body.workspaceId, workspaceId);
      assert.equal(first.body.isMember, true);
      assert.deepEqual(sorted(first.body.memberIds), sorted([owner.id, friend!.id]));

      const again = await openConversation(owner, workspaceId, [friend!]);
      assertStatus(again, 200);
      assert.equal(again.body.id, first.body.id);
      const fromFriend = await openConversation(friend!, workspaceId, [owner]);
      assertStatus(fromFriend, 200);
      assert.equal(fromFriend.body.id, first.body.id);
      assert.deepEqual(sorted(fromFriend.body.memberIds), sorted([owner.id, friend!.id]));

      assert.deepEqual(sorted(await eventSummary(friend!, first.body.id)), sorted([`member.joined:${owner.id}`, `member.joined:${friend!.id}`]));
      const read = await friend!.client.get(`/api/v1/channels/${first.body.id}`);
      assertStatus(read, 200);
      assert.deepEqual(sorted(read.body.memberIds), sorted([owner.id, friend!.id]));
      assertStatus(await sendMessage(friend!, first.body.id, 'hey'), 201);
    });

    it('racing opens of the same DM (both sides, in parallel) yield exactly one channel', async () => {
      const { workspaceId, members } = await createTeam(server, 2);
      const [x, y] = members;
      const results = await Promise.all([
        openConversation(x!, workspaceId, [y!]),
        openConversation(y!, workspaceId, [x!]),
        openConversation(x!, workspaceId, [y!]),
        openConversation(y!, workspaceId, [x!]),
      ]);
      for (const r of results) assert.ok(r.status === 200 || r.status === 201, r.text);
      assert.equal(results.filter((r) => r.status === 201).length, 1, results.map((r) => r.status).join(','));
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1, 'one channel for everyone');
      const dms = (await x!.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels.filter((c: any) => c.kind === 'dm');
      assert.equal(dms.length, 1);
      assert.equal((await eventSummary(x!, results[0]!.body.id)).length, 2, 'each member joined once');
    });

    it('group DMs: 2 to 7 others, idempotent per member set in any order; 8 others is 400', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 8);
      const [a, b, c] = members;
      const group = await openConversation(owner, workspaceId, [a!, b!]);
      assertStatus(group, 201);
      assert.equal(group.body.kind, 'group_dm');
      assert.deepEqual(sorted(group.body.memberIds), sorted([owner.id, a!.id, b!.id]));

      const reordered = await openConversation(b!, workspaceId, [a!, owner]);
      assertStatus(reordered, 200);
      assert.equal(reordered.body.id, group.body.id);
      const withSelf = await a!.client.post(`/api/v1/workspaces/${workspaceId}/conversations`, { userIds: [a!.id, owner.id, b!.id] });
      assertStatus(withSelf, 200);
      assert.equal(withSelf.body.id, group.body.id, 'naming oneself too is the same set');

      const bigger = await openConversation(owner, workspaceId, [a!, b!, c!]);
      assertStatus(bigger, 201);
      assert.notEqual(bigger.body.id, group.body.id, 'another member set, another conversation');
      const dmWithA = await openConversation(owner, workspaceId, [a!]);
      assertStatus(dmWithA, 201);
      assert.equal(dmWithA.body.kind, 'dm');

      const seven = await openConversation(owner, workspaceId, members.slice(0, 7));
      assertStatus(seven, 201);
      assert.equal(seven.body.memberIds.length, 8);
      assertError(await openConversation(owner, workspaceId, members.slice(0, 8)), 400, 'VALIDATION_FAILED');
    });

    it('rejects empty, self-only, duplicate and unknown-field requests with 400', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const path = `/api/v1/workspaces/${workspaceId}/conversations`;
      for (const body of [{}, { userIds: [] }, { userIds: [owner.id] }, { userIds: [members[0]!.id, members[0]!.id] }, { userIds: [members[0]!.id], name: 'x' }]) {
        assertError(await owner.client.post(path, body), 400, 'VALIDATION_FAILED');
      }
      assert.deepEqual((await owner.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels, []);
    });

    it('a conversation with someone outside the workspace (or nobody) is 404 and creates nothing', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const outsider = await signUp(server);
      assertError(await openConversation(owner, workspaceId, [outsider]), 404, 'NOT_FOUND');
      assertError(await openConversation(owner, workspaceId, [members[0]!, outsider]), 404, 'NOT_FOUND');
      assertError(await owner.client.post(`/api/v1/workspaces/${workspaceId}/conversations`, { userIds: [randomId()] }), 404, 'NOT_FOUND');
      assertError(await openConversation(outsider, workspaceId, [owner]), 404, 'NOT_FOUND');
      assert.deepEqual((await owner.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels, []);
    });

    it('a DM or group DM is visible to its members only: a third workspace member gets 404 everywhere', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 3);
      const [x, y, third] = members;
      const dm = (await openConversation(x!, workspaceId, [y!])).body.id;
      const group = (await openConversation(x!, workspaceId, [y!, owner])).body.id;
      assertStatus(await sendMessage(x!, dm, 'just us'), 201);
      for (const outsider of [third!, owner]) {
        assertError(await outsider.client.get(`/api/v1/channels/${dm}`), 404, 'NOT_FOUND');
        assertError(await outsider.client.get(`/api/v1/channels/${dm}/messages`), 404, 'NOT_FOUND');
        assertError(await outsider.client.get(`/api/v1/channels/${dm}/events?after=0`), 404, 'NOT_FOUND');
        assertError(await outsider.client.get(`/api/v1/channels/${dm}/members`), 404, 'NOT_FOUND');
        assertError(await sendMessage(outsider, dm, 'let me in'), 404, 'NOT_FOUND');
        assertError(await outsider.client.post(`/api/v1/channels/${dm}/join`), 404, 'NOT_FOUND');
      }
      assertError(await third!.client.get(`/api/v1/channels/${group}/messages`), 404, 'NOT_FOUND');
      const thirdList = (await third!.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels;
      assert.deepEqual(thirdList, []);
      const ownerList = (await owner.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels.map((c: any) => c.id);
      assert.deepEqual(ownerList, [group]);
    });

    it('nobody can be added to or removed from a conversation; members can leave', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [x, y] = members;
      const dm = (await openConversation(owner, workspaceId, [x!])).body.id;
      assertError(await owner.client.post(`/api/v1/channels/${dm}/members`, { userId: y!.id }), 403, 'FORBIDDEN');
      assertError(await owner.client.delete(`/api/v1/channels/${dm}/members/${x!.id}`), 403, 'FORBIDDEN');
      assertStatus(await x!.client.post(`/api/v1/channels/${dm}/leave`), 204);
      assertError(await x!.client.get(`/api/v1/channels/${dm}/messages`), 404, 'NOT_FOUND');
    });

    it('reopening a DM one has left answers the same channel and gives access back (the answer claims membership)', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const [friend] = members;
      const dm = (await openConversation(owner, workspaceId, [friend!])).body.id;
      assertStatus(await friend!.client.post(`/api/v1/channels/${dm}/leave`), 204);

      const reopened = await openConversation(friend!, workspaceId, [owner]);
      assertStatus(reopened, 200);
      assert.equal(reopened.body.id, dm);
      assert.equal(reopened.body.isMember, true);
      assert.deepEqual(sorted(reopened.body.memberIds), sorted([owner.id, friend!.id]));
      // The answer says the caller is a member: the channel must then be theirs to read and write.
      assertStatus(await friend!.client.get(`/api/v1/channels/${dm}`), 200);
      assertStatus(await sendMessage(friend!, dm, 'back again'), 201);
      assert.deepEqual(sorted((await owner.client.get(`/api/v1/channels/${dm}/members`)).body.members.map((m: any) => m.userId)), sorted([owner.id, friend!.id]));
    });
  });
}
