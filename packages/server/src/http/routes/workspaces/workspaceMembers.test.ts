import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import {
  assertError,
  assertStatus,
  channelEvents,
  createChannel,
  createTeam,
  eventSummary,
  makeAdmin,
  openConversation,
  randomId,
  sendMessage,
  sorted,
  type Person,
} from './fixtures.js';

const memberPath = (workspaceId: string, userId: string) => `/api/v1/workspaces/${workspaceId}/members/${userId}`;
const setRole = (actor: Person, workspaceId: string, target: string, role: unknown) =>
  actor.client.request('PATCH', memberPath(workspaceId, target), { body: { role } });

for (const database of DATABASES) {
  describe(`workspace members: roles and removal (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('GET .../members lists everyone with role, username and display name', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const res = await members[1]!.client.get(`/api/v1/workspaces/${workspaceId}/members`);
      assertStatus(res, 200);
      const byId = new Map(res.body.members.map((m: any) => [m.userId, m]));
      assert.deepEqual(sorted([...byId.keys()] as string[]), sorted([owner.id, members[0]!.id, members[1]!.id]));
      const me: any = byId.get(owner.id);
      assert.equal(me.role, 'owner');
      assert.equal(me.username, owner.username);
      assert.equal(me.displayName, owner.username);
      assert.ok(!Number.isNaN(Date.parse(me.joinedAt)));
      assert.equal((byId.get(members[0]!.id) as any).role, 'member');
    });

    it('only the owner changes roles; the owner’s own role cannot change; bad roles are 400', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [admin, member] = members;
      assertError(await setRole(member!, workspaceId, admin!.id, 'admin'), 403, 'FORBIDDEN');
      assertStatus(await setRole(owner, workspaceId, admin!.id, 'admin'), 204);
      assertError(await setRole(admin!, workspaceId, member!.id, 'admin'), 403, 'FORBIDDEN');
      assertError(await setRole(owner, workspaceId, owner.id, 'member'), 403, 'FORBIDDEN');
      assertError(await setRole(owner, workspaceId, member!.id, 'owner'), 400, 'VALIDATION_FAILED');
      assertError(await setRole(owner, workspaceId, randomId(), 'admin'), 404, 'NOT_FOUND');

      const roles = await owner.client.get(`/api/v1/workspaces/${workspaceId}/members`);
      assert.deepEqual(
        Object.fromEntries(roles.body.members.map((m: any) => [m.userId, m.role])),
        { [owner.id]: 'owner', [admin!.id]: 'admin', [member!.id]: 'member' },
      );
      assert.equal((await admin!.client.get(`/api/v1/workspaces/${workspaceId}`)).body.role, 'admin');

      assertStatus(await setRole(owner, workspaceId, admin!.id, 'member'), 204);
      assert.equal((await admin!.client.get(`/api/v1/workspaces/${workspaceId}`)).body.role, 'member', 'demoted');
      assertError(await admin!.client.request('PATCH', `/api/v1/workspaces/${workspaceId}`, { body: { name: 'X' } }), 403, 'FORBIDDEN');
    });

    it('removal rules: members cannot remove others, admins remove members, only the owner removes admins, nobody removes the owner', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 4);
      const [admin, otherAdmin, member, victim] = members;
      await makeAdmin(owner, workspaceId, admin!);
      await makeAdmin(owner, workspaceId, otherAdmin!);

      assertError(await member!.client.delete(memberPath(workspaceId, victim!.id)), 403, 'FORBIDDEN');
      assertError(await admin!.client.delete(memberPath(workspaceId, otherAdmin!.id)), 403, 'FORBIDDEN');
      assertError(await admin!.client.delete(memberPath(workspaceId, owner.id)), 403, 'FORBIDDEN');
      assertError(await owner.client.delete(memberPath(workspaceId, owner.id)), 403, 'FORBIDDEN');
      assertError(await admin!.client.delete(memberPath(workspaceId, randomId())), 404, 'NOT_FOUND');

      assertStatus(await admin!.client.delete(memberPath(workspaceId, victim!.id)), 204);
      assertStatus(await owner.client.delete(memberPath(workspaceId, otherAdmin!.id)), 204);
      assertStatus(await member!.client.delete(memberPath(workspaceId, member!.id)), 204);
      assertStatus(await admin!.client.delete(memberPath(workspaceId, admin!.id)), 204);

      const left = await owner.client.get(`/api/v1/workspaces/${workspaceId}/members`);
      assert.deepEqual(left.body.members.map((m: any) => m.userId), [owner.id]);
      assertError(await owner.client.delete(memberPath(workspaceId, victim!.id)), 404, 'NOT_FOUND');
    });

    it('a removed user loses the workspace at once: 404 on it, its channels and its DMs, and it leaves their list', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const [gone] = members;
      const general = await createChannel(owner, workspaceId, { name: 'general' });
      assertStatus(await gone!.client.post(`/api/v1/channels/${general.id}/join`), 200);
      const secret = await createChannel(owner, workspaceId, { name: 'secret', kind: 'private', memberIds: [gone!.id] });
      const dm = (await openConversation(owner, workspaceId, [gone!])).body.id as string;
      assertStatus(await sendMessage(gone!, general.id, 'still here'), 201);

      assertStatus(await owner.client.delete(memberPath(workspaceId, gone!.id)), 204);

      assertError(await gone!.client.get(`/api/v1/workspaces/${workspaceId}`), 404, 'NOT_FOUND');
      assertError(await gone!.client.get(`/api/v1/workspaces/${workspaceId}/channels`), 404, 'NOT_FOUND');
      assertError(await gone!.client.get(`/api/v1/workspaces/${workspaceId}/members`), 404, 'NOT_FOUND');
      assert.deepEqual((await gone!.client.get('/api/v1/workspaces')).body.workspaces, []);
      for (const id of [general.id, secret.id, dm]) {
        assertError(await gone!.client.get(`/api/v1/channels/${id}`), 404, 'NOT_FOUND');
        assertError(await gone!.client.get(`/api/v1/channels/${id}/messages`), 404, 'NOT_FOUND');
        assertError(await gone!.client.get(`/api/v1/channels/${id}/events?after=0`), 404, 'NOT_FOUND');
        assertError(await sendMessage(gone!, id, 'let me in'), 404, 'NOT_FOUND');
      }
      assertError(await gone!.client.post(`/api/v1/channels/${general.id}/join`), 404, 'NOT_FOUND');
      assertError(await openConversation(owner, workspaceId, [gone!]), 404, 'NOT_FOUND');
    });

    it('removal takes the user out of every channel of the workspace, each with a numbered member.left event', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [gone, stays] = members;
      const general = await createChannel(owner, workspaceId, { name: 'general' });
      assertStatus(await gone!.client.post(`/api/v1/channels/${general.id}/join`), 200);
      const secret = await createChannel(owner, workspaceId, { name: 'secret', kind: 'private', memberIds: [gone!.id, stays!.id] });
      const group = (await openConversation(owner, workspaceId, [gone!, stays!])).body.id as string;
      const untouched = await createChannel(owner, workspaceId, { name: 'untouched', memberIds: [stays!.id] });

      assertStatus(await owner.client.delete(memberPath(workspaceId, gone!.id)), 204);

      assert.deepEqual(await eventSummary(owner, general.id), [`member.joined:${owner.id}`, `member.joined:${gone!.id}`, `member.left:${gone!.id}`]);
      assert.deepEqual(await eventSummary(owner, secret.id), [
        `member.joined:${owner.id}`,
        `member.joined:${gone!.id}`,
        `member.joined:${stays!.id}`,
        `member.left:${gone!.id}`,
      ]);
      const groupFeed = await eventSummary(stays!, group);
      assert.equal(groupFeed.at(-1), `member.left:${gone!.id}`);
      assert.equal(groupFeed.filter((e) => e.startsWith('member.left')).length, 1);
      assert.deepEqual(await eventSummary(owner, untouched.id), [`member.joined:${owner.id}`, `member.joined:${stays!.id}`]);
      const leftEvent = (await channelEvents(owner, secret.id)).at(-1)!;
      assert.equal(leftEvent.actorId, owner.id, 'the remover is the actor');

      for (const id of [general.id, secret.id, group]) {
        const ids = (await stays!.client.get(`/api/v1/channels/${id}/members`)).body.members.map((m: any) => m.userId);
        assert.ok(!ids.includes(gone!.id), `removed from ${id}`);
      }
      assert.equal((await owner.client.get(`/api/v1/channels/${general.id}`)).body.lastSeq, 3);
    });

    it('a removed user can come back through an invite, as a plain member of no channel', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const [returning] = members;
      await makeAdmin(owner, workspaceId, returning!);
      const secret = await createChannel(owner, workspaceId, { name: 'secret', kind: 'private', memberIds: [returning!.id] });
      assertStatus(await owner.client.delete(memberPath(workspaceId, returning!.id)), 204);

      const { code } = (await owner.client.post(`/api/v1/workspaces/${workspaceId}/invites`, {})).body;
      const back = await returning!.client.post('/api/v1/invites/accept', { code });
      assertStatus(back, 200);
      assert.equal(back.body.role, 'member', 'the old admin role is gone');
      assertError(await returning!.client.get(`/api/v1/channels/${secret.id}`), 404, 'NOT_FOUND');
    });
  });
}
