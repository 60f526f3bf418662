import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Limits } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { assertError, newWorkspaceMember, setUpTeam, type Team } from '../messages/fixtures.js';
import { TestSocket } from '../../../realtime/testSocket.js';

for (const database of DATABASES) {
  describe(`admin-issued set-password links (${database})`, () => {
    let server: TestServer;
    let team: Team;
    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 1);
    });
    after(() => server.close());

    const issue = (as: Team['owner'], userId: string) => as.client.post(`/api/v1/workspaces/${team.workspaceId}/members/${userId}/password-link`);
    const tokenOf = (url: string) => new URL(url).hash.slice(1);
    const setPassword = (token: string, password: string) => new TestClient(server.url).post('/api/v1/auth/set-password', { token, password });

    it('a member sets a password with the link once; every session ends; the new password logs in', async () => {
      const member = await newWorkspaceMember(server, team);
      const socket = await TestSocket.live(member.client);
      const link = await issue(team.owner, member.user.id);
      assert.equal(link.status, 201, link.text);
      assert.match(link.body.url, /^http:\/\/relaydesk\.test\/set-password#[A-Za-z0-9_-]{43}$/, 'the token is in the fragment');
      assert.ok(Date.parse(link.body.expiresAt) > Date.now() + 71 * 3_600_000);
      assert.equal((await setPassword(tokenOf(link.body.url), 'x'.repeat(Limits.passwordMin))).status, 204);
      assert.equal((await socket.waitForClose()).code, 4004, 'the old sessions are signed out');
      assertError(await setPassword(tokenOf(link.body.url), 'another password'), 404, 'LINK_INVALID');
      const login = await new TestClient(server.url).post('/api/v1/auth/login', { username: member.user.username, password: 'x'.repeat(Limits.passwordMin) });
      assert.equal(login.status, 200, login.text);
    });

    it('only workspace admins issue links, for members, not bots; bad tokens and passwords change nothing', async () => {
      const [plain] = team.members;
      const member = await newWorkspaceMember(server, team);
      assertError(await issue(plain!, member.user.id), 403, 'FORBIDDEN');
      const outsider = await setUpTeam(server, 0);
      assertError(await issue(team.owner, outsider.owner.user.id), 404, 'NOT_FOUND');
      const bot = (await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots`, { username: `bot_${Date.now() % 1e8}` })).body;
      assertError(await issue(team.owner, bot.id), 403, 'FORBIDDEN');
      const link = await issue(team.owner, member.user.id);
      assertError(await setPassword('not-a-token', 'long enough pw'), 404, 'LINK_INVALID');
      assertError(await setPassword(tokenOf(link.body.url), 'x'.repeat(Limits.passwordMin - 1)), 400, 'VALIDATION_FAILED');
      assertError(await setPassword(tokenOf(link.body.url), 'x'.repeat(Limits.passwordMax + 1)), 400, 'VALIDATION_FAILED');
      assert.equal((await setPassword(tokenOf(link.body.url), 'x'.repeat(Limits.passwordMax))).status, 204, 'still usable: refusals used nothing');
    });
  });
}
