import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { ManualClock } from '../../../clock.js';
import { assertError, assertStatus, createInvite, createTeam, createWorkspace, makeAdmin, randomId, signUp, type Person } from './fixtures.js';

const ACCEPT = '/api/v1/invites/accept';
const invitesPath = (workspaceId: string) => `/api/v1/workspaces/${workspaceId}/invites`;
const accept = (p: Person, code: string) => p.client.post(ACCEPT, { code });

for (const database of DATABASES) {
  describe(`workspace invites (${database})`, () => {
    let server: TestServer;
    const clock = new ManualClock();
    before(async () => {
      server = await startTestServer({ database, clock });
    });
    after(() => server.close());

    it('an admin creates an invite (201, code shown once); accepting joins the workspace as a member', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner, 'Invited');
      const res = await owner.client.post(invitesPath(workspaceId), { maxUses: 5, expiresInSeconds: 3600 });
      assertStatus(res, 201);
      assert.equal(res.body.workspaceId, workspaceId);
      assert.equal(res.body.uses, 0);
      assert.equal(res.body.maxUses, 5);
      assert.equal(res.body.revoked, false);
      assert.equal(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt), 3600_000);
      assert.ok(typeof res.body.code === 'string' && res.body.code.length >= 20, 'an unguessable code');

      const joiner = await signUp(server);
      const joined = await accept(joiner, res.body.code);
      assertStatus(joined, 200);
      assert.equal(joined.body.id, workspaceId);
      assert.equal(joined.body.name, 'Invited');
      assert.equal(joined.body.role, 'member');
      assert.equal((await joiner.client.get(`/api/v1/workspaces/${workspaceId}`)).body.role, 'member');

      const list = await owner.client.get(invitesPath(workspaceId));
      assertStatus(list, 200);
      assert.equal(list.body.invites.length, 1);
      assert.equal(list.body.invites[0].id, res.body.id);
      assert.equal(list.body.invites[0].uses, 1);
      assert.equal(list.body.invites[0].code, undefined, 'the list never shows codes');
      assert.ok(!list.text.includes(res.body.code), 'the code appears nowhere in the list');
    });

    it('without options (or without a body) an invite never expires and has no use limit', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const invite = await createInvite(owner, workspaceId);
      assert.equal(invite.expiresAt, null);
      assert.equal(invite.maxUses, null);
      const noBody = await owner.client.post(invitesPath(workspaceId));
      assertStatus(noBody, 201);
      assert.equal(noBody.body.maxUses, null);
      assert.notEqual(noBody.body.code, invite.code, 'every invite has its own code');
    });

    it('only admins and the owner manage invites; members get 403', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [admin, member] = members;
      await makeAdmin(owner, workspaceId, admin!);
      const invite = await createInvite(admin!, workspaceId);
      assertError(await member!.client.post(invitesPath(workspaceId), {}), 403, 'FORBIDDEN');
      assertError(await member!.client.get(invitesPath(workspaceId)), 403, 'FORBIDDEN');
      assertError(await member!.client.delete(`${invitesPath(workspaceId)}/${invite.id}`), 403, 'FORBIDDEN');
      assert.equal((await admin!.client.get(invitesPath(workspaceId))).body.invites.length, 2, 'the team invite and the admin’s');
    });

    it('validates expiresInSeconds (60..2592000), maxUses (1..10000) and unknown fields', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const bad = [
        { expiresInSeconds: 59 },
        { expiresInSeconds: 2_592_001 },
        { expiresInSeconds: 90.5 },
        { maxUses: 0 },
        { maxUses: 10_001 },
        { maxUses: '3' },
        { uses: 3 },
      ];
      for (const body of bad) assertError(await owner.client.post(invitesPath(workspaceId), body), 400, 'VALIDATION_FAILED');
      assert.deepEqual((await owner.client.get(invitesPath(workspaceId))).body.invites, [], 'nothing was created');
      assertStatus(await owner.client.post(invitesPath(workspaceId), { expiresInSeconds: 60, maxUses: 1 }), 201);
      assertStatus(await owner.client.post(invitesPath(workspaceId), { expiresInSeconds: 2_592_000, maxUses: 10_000 }), 201);
      assertError(await owner.client.post(ACCEPT, {}), 400, 'VALIDATION_FAILED');
    });

    it('unknown, revoked and used-up codes all answer 404 INVITE_INVALID', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const someone = await signUp(server);
      assertError(await accept(someone, 'no-such-code'), 404, 'INVITE_INVALID');

      const revoked = await createInvite(owner, workspaceId);
      assertStatus(await owner.client.delete(`${invitesPath(workspaceId)}/${revoked.id}`), 204);
      assertError(await accept(someone, revoked.code), 404, 'INVITE_INVALID');
      const listed = (await owner.client.get(invitesPath(workspaceId))).body.invites.find((i: any) => i.id === revoked.id);
      assert.equal(listed.revoked, true);
      assertError(await owner.client.delete(`${invitesPath(workspaceId)}/${revoked.id}`), 404, 'NOT_FOUND');
      assertError(await owner.client.delete(`${invitesPath(workspaceId)}/${randomId()}`), 404, 'NOT_FOUND');

      const single = await createInvite(owner, workspaceId, { maxUses: 1 });
      assertStatus(await accept(await signUp(server), single.code), 200);
      assertError(await accept(someone, single.code), 404, 'INVITE_INVALID');
      assertError(await someone.client.get(`/api/v1/workspaces/${workspaceId}`), 404, 'NOT_FOUND');
    });

    it('an invite expires after expiresInSeconds (moved clock)', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const invite = await createInvite(owner, workspaceId, { expiresInSeconds: 60 });
      clock.advance(59_000);
      assertStatus(await accept(await signUp(server), invite.code), 200);
      clock.advance(2_000);
      const late = await signUp(server);
      assertError(await accept(late, invite.code), 404, 'INVITE_INVALID');
      assertError(await late.client.get(`/api/v1/workspaces/${workspaceId}`), 404, 'NOT_FOUND');
      const listed = (await owner.client.get(invitesPath(workspaceId))).body.invites[0];
      assert.equal(listed.uses, 1, 'the expired attempt consumed nothing');
    });

    it('accepting again as a member answers with the workspace and consumes no use', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const invite = await createInvite(owner, workspaceId, { maxUses: 2 });
      const joiner = await signUp(server);
      assertStatus(await accept(joiner, invite.code), 200);
      const again = await accept(joiner, invite.code);
      assertStatus(again, 200);
      assert.equal(again.body.id, workspaceId);
      assert.equal(again.body.role, 'member');
      const ownerAgain = await accept(owner, invite.code);
      assertStatus(ownerAgain, 200);
      assert.equal(ownerAgain.body.role, 'owner', 'the owner stays owner');
      assert.equal((await owner.client.get(invitesPath(workspaceId))).body.invites[0].uses, 1);
      assertStatus(await accept(await signUp(server), invite.code), 200);
      const members = (await owner.client.get(`/api/v1/workspaces/${workspaceId}/members`)).body.members;
      assert.equal(members.length, 3);
    });

    it('maxUses holds under concurrent accepts: maxUses 3, six parallel accepts, exactly three join', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const invite = await createInvite(owner, workspaceId, { maxUses: 3 });
      const people = await Promise.all(Array.from({ length: 6 }, () => signUp(server)));
      const results = await Promise.all(people.map((p) => accept(p, invite.code)));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 404, 404, 404], results.map((r) => r.text).join('\n'));
      for (const r of results.filter((x) => x.status === 404)) assert.equal(r.body.error.code, 'INVITE_INVALID');

      const members = (await owner.client.get(`/api/v1/workspaces/${workspaceId}/members`)).body.members;
      assert.equal(members.length, 4, 'owner + 3');
      const joinedIds = people.filter((_, i) => results[i]!.status === 200).map((p) => p.id).sort();
      assert.deepEqual(members.map((m: any) => m.userId).filter((id: string) => id !== owner.id).sort(), joinedIds);
      assert.equal((await owner.client.get(invitesPath(workspaceId))).body.invites[0].uses, 3);
    });

    it('one user accepting the same code many times at once joins once and uses it once', async () => {
      const owner = await signUp(server);
      const workspaceId = await createWorkspace(owner);
      const invite = await createInvite(owner, workspaceId, { maxUses: 5 });
      const joiner = await signUp(server);
      const results = await Promise.all(Array.from({ length: 5 }, () => accept(joiner, invite.code)));
      for (const r of results) assertStatus(r, 200);
      assert.equal((await owner.client.get(invitesPath(workspaceId))).body.invites[0].uses, 1);
      assert.equal((await owner.client.get(`/api/v1/workspaces/${workspaceId}/members`)).body.members.length, 2);
    });

    it('an invite only opens its own workspace; invites of another workspace are 404 to its admins', async () => {
      const a = await createTeam(server, 0, 'A');
      const b = await createTeam(server, 0, 'B');
      const inviteB = await createInvite(b.owner, b.workspaceId);
      assertError(await a.owner.client.delete(`${invitesPath(a.workspaceId)}/${inviteB.id}`), 404, 'NOT_FOUND');
      assertError(await a.owner.client.delete(`${invitesPath(b.workspaceId)}/${inviteB.id}`), 404, 'NOT_FOUND');
      assertError(await a.owner.client.get(invitesPath(b.workspaceId)), 404, 'NOT_FOUND');
      assertError(await a.owner.client.post(invitesPath(b.workspaceId), {}), 404, 'NOT_FOUND');
      const listed = (await b.owner.client.get(invitesPath(b.workspaceId))).body.invites.find((i: any) => i.id === inviteB.id);
      assert.equal(listed.revoked, false);
    });
  });
}
