import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { assertError, assertStatus, createTeam, createWorkspace, makeAdmin, signUp } from './fixtures.js';

for (const database of DATABASES) {
  describe(`workspaces: create, list, read, rename (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('POST /api/v1/workspaces answers 201 with the workspace, the creator being its owner', async () => {
      const owner = await signUp(server);
      const res = await owner.client.post('/api/v1/workspaces', { name: '  Acme Corp  ' });
      assertStatus(res, 201);
      assert.deepEqual(Object.keys(res.body).sort(), ['createdAt', 'id', 'name', 'role']);
      assert.equal(res.body.name, 'Acme Corp', 'the name is trimmed');
      assert.equal(res.body.role, 'owner');
      assert.ok(!Number.isNaN(Date.parse(res.body.createdAt)));

      const members = await owner.client.get(`/api/v1/workspaces/${res.body.id}/members`);
      assertStatus(members, 200);
      assert.deepEqual(
        members.body.members.map((m: any) => [m.userId, m.role]),
        [[owner.id, 'owner']],
      );
    });

    it('GET /api/v1/workspaces lists only my workspaces, each with my role in it', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1, 'Alpha');
      const [member] = members;
      const ownOther = await createWorkspace(member!, 'Beta');
      await createWorkspace(await signUp(server), 'Gamma (not mine)');

      const mine = await member!.client.get('/api/v1/workspaces');
      assertStatus(mine, 200);
      const roles = Object.fromEntries(mine.body.workspaces.map((w: any) => [w.id, w.role]));
      assert.deepEqual(roles, { [workspaceId]: 'member', [ownOther]: 'owner' });

      const ownerList = await owner.client.get('/api/v1/workspaces');
      assert.deepEqual(
        ownerList.body.workspaces.map((w: any) => [w.id, w.name, w.role]),
        [[workspaceId, 'Alpha', 'owner']],
      );
    });

    it('GET /api/v1/workspaces/{id} answers with the workspace and the caller’s role', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1, 'Readable');
      const asOwner = await owner.client.get(`/api/v1/workspaces/${workspaceId}`);
      assertStatus(asOwner, 200);
      assert.equal(asOwner.body.name, 'Readable');
      assert.equal(asOwner.body.role, 'owner');
      const asMember = await members[0]!.client.get(`/api/v1/workspaces/${workspaceId}`);
      assertStatus(asMember, 200);
      assert.equal(asMember.body.role, 'member');
    });

    it('PATCH renames for the owner and admins; a member gets 403 and the name stays', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2, 'Old Name');
      const [admin, member] = members;
      await makeAdmin(owner, workspaceId, admin!);
      const path = `/api/v1/workspaces/${workspaceId}`;

      const byMember = await member!.client.request('PATCH', path, { body: { name: 'Hijacked' } });
      assertError(byMember, 403, 'FORBIDDEN');
      assert.equal((await owner.client.get(path)).body.name, 'Old Name');

      const byAdmin = await admin!.client.request('PATCH', path, { body: { name: 'Admin Name' } });
      assertStatus(byAdmin, 200);
      assert.equal(byAdmin.body.name, 'Admin Name');
      assert.equal(byAdmin.body.role, 'admin');

      const byOwner = await owner.client.request('PATCH', path, { body: { name: ' Final Name ' } });
      assertStatus(byOwner, 200);
      assert.equal(byOwner.body.name, 'Final Name');
      assert.equal((await member!.client.get(path)).body.name, 'Final Name', 'everyone sees the new name');
    });

    it('rejects bad names and unknown fields with 400 VALIDATION_FAILED and creates nothing', async () => {
      const owner = await signUp(server);
      const bad: unknown[] = [
        {},
        { name: '' },
        { name: '   ' },
        { name: '\t\n' },
        { name: 'x'.repeat(81) },
        { name: 42 },
        { name: 'Fine', extra: true },
      ];
      for (const body of bad) {
        assertError(await owner.client.post('/api/v1/workspaces', body), 400, 'VALIDATION_FAILED');
      }
      assert.deepEqual((await owner.client.get('/api/v1/workspaces')).body.workspaces, [], 'nothing was created');
      assertStatus(await owner.client.post('/api/v1/workspaces', { name: 'x'.repeat(80) }), 201);
    });

    it('rejects a bad rename with 400 and keeps the old name', async () => {
      const owner = await signUp(server);
      const id = await createWorkspace(owner, 'Keep Me');
      for (const body of [{ name: ' ' }, { name: 'y'.repeat(81) }, { name: 'Ok', role: 'owner' }, {}]) {
        assertError(await owner.client.request('PATCH', `/api/v1/workspaces/${id}`, { body }), 400, 'VALIDATION_FAILED');
      }
      assert.equal((await owner.client.get(`/api/v1/workspaces/${id}`)).body.name, 'Keep Me');
    });

    it('requires a signed-in user (401) and answers 404 for an unknown workspace', async () => {
      const anonymous = new TestClient(server.url);
      assertError(await anonymous.get('/api/v1/workspaces'), 401, 'UNAUTHENTICATED');
      assertError(await anonymous.post('/api/v1/workspaces', { name: 'Nope' }), 401, 'UNAUTHENTICATED');
      const someone = await signUp(server);
      assertError(await someone.client.get('/api/v1/workspaces/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
    });
  });
}
