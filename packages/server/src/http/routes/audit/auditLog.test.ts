import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { assertError, setUpTeam, type Team } from '../messages/fixtures.js';

type Entry = { action: string; actorUserId: string | null; tokenId: string | null; target: string | null; ip: string | null; createdAt: string };

for (const database of DATABASES) {
  describe(`audit log (${database})`, () => {
    let server: TestServer;
    let team: Team;
    const log = async (query = ''): Promise<Entry[]> => {
      const res = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/audit-log${query}`);
      assert.equal(res.status, 200, res.text);
      return res.body.entries as Entry[];
    };

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 1);
    });
    after(() => server.close());

    it('records admin actions with who, what, when and from where, newest first; a refused action records nothing', async () => {
      const [member] = team.members;
      const before = (await log()).length;
      assert.equal((await team.owner.client.request('PATCH', `/api/v1/workspaces/${team.workspaceId}`, { body: { name: 'Audited' } })).status, 200);
      assert.equal((await team.owner.client.request('PATCH', `/api/v1/workspaces/${team.workspaceId}/members/${member!.user.id}`, { body: { role: 'admin' } })).status < 300, true);
      assertError(await team.owner.client.request('PATCH', `/api/v1/workspaces/${team.workspaceId}/members/${member!.user.id}`, { body: { role: 'root' } }), 400, 'VALIDATION_FAILED');
      const entries = await log();
      assert.equal(entries.length, before + 2);
      assert.deepEqual(entries.slice(0, 2).map((e) => [e.action, e.actorUserId, e.target, e.tokenId, e.ip]), [
        ['member.role_changed', team.owner.user.id, member!.user.id, null, '127.0.0.1'],
        ['workspace.renamed', team.owner.user.id, null, null, '127.0.0.1'],
      ]);
      assert.ok(Date.parse(entries[0]!.createdAt) >= Date.parse(entries[1]!.createdAt));
      // Put back for the rest of the suite.
      await team.owner.client.request('PATCH', `/api/v1/workspaces/${team.workspaceId}/members/${member!.user.id}`, { body: { role: 'member' } });
    });

    it('records integration actions: bots, tokens, webhooks, and every change an API token makes, naming the token', async () => {
      const bot = (await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots`, { username: `audit_${randomUUID().slice(0, 6)}` })).body;
      const minted = (await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots/${bot.id}/tokens`, { name: 'ci', scopes: ['read', 'write'] })).body;
      const hook = (await team.owner.client.post(`/api/v1/channels/${team.channelId}/incoming-hooks`, { name: 'Alerts' })).body;
      assert.equal((await new TestClient(server.url).post(new URL(hook.url).pathname, { text: 'alert' })).status, 201);
      const asBot = new TestClient(server.url);
      await asBot.request('POST', `/api/v1/channels/${team.channelId}/join`, { headers: { authorization: `Bearer ${minted.token}` } });
      const sent = await asBot.request('POST', `/api/v1/channels/${team.channelId}/messages`, {
        headers: { authorization: `Bearer ${minted.token}` },
        body: { body: 'via token', clientMessageId: randomUUID() },
      });
      assert.equal(sent.status, 201, sent.text);
      const entries = await log('?limit=5');
      assert.deepEqual(entries.map((e) => e.action), ['token.sendMessage', 'token.joinChannel', 'incoming_hook.posted', 'incoming_hook.created', 'bot.token_created']);
      assert.deepEqual([entries[0]!.actorUserId, entries[0]!.tokenId], [bot.id, minted.id], 'the bot, through which token');
      assert.deepEqual([entries[2]!.actorUserId, entries[2]!.target], [hook.botUserId, hook.id], 'a webhook post is its bot’s, on that hook');
      const older = await log(`?before=${encodeURIComponent(entries[4]!.createdAt)}&limit=1`);
      assert.equal(older.length, 1);
      assert.ok(Date.parse(older[0]!.createdAt) < Date.parse(entries[4]!.createdAt));
    });

    it('is for workspace admins only; other tenants get the 404 of a missing workspace', async () => {
      const [member] = team.members;
      assertError(await member!.client.get(`/api/v1/workspaces/${team.workspaceId}/audit-log`), 403, 'FORBIDDEN');
      const outsider = await setUpTeam(server, 0);
      assertError(await outsider.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/audit-log`), 404, 'NOT_FOUND');
      assertError(await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/audit-log?limit=201`), 400, 'VALIDATION_FAILED');
      assert.equal((await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/audit-log?limit=200`)).status, 200);
    });
  });
}
