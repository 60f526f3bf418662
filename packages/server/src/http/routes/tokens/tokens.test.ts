import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TokenLimits } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { assertError, newWorkspaceMember, setUpTeam, type Team } from '../messages/fixtures.js';
import { TestSocket } from '../../../realtime/testSocket.js';
import { isWellFormedApiToken } from '../../../auth/tokenFormat.js';

/** A client that sends `Authorization: Bearer <token>` and no cookies, as an integration does. */
class BearerClient extends TestClient {
  constructor(url: string, private readonly token: string) {
    super(url);
  }

  override request<T = any>(method: string, path: string, options: Parameters<TestClient['request']>[2] = {}) {
    return super.request<T>(method, path, { ...options, headers: { authorization: `Bearer ${this.token}`, ...options.headers } });
  }
}
const bearer = (server: TestServer, token: string) => new BearerClient(server.url, token);

for (const database of DATABASES) {
  describe(`API tokens and bots (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 1);
    });
    after(() => server.close());

    const mint = async (client: TestClient, body: Record<string, unknown>) => {
      const res = await client.post('/api/v1/me/tokens', body);
      assert.equal(res.status, 201, res.text);
      return res.body as { id: string; token: string; hint: string; scopes: string[]; expiresAt: string | null; lastUsedAt: string | null };
    };

    it('a personal token is shown once, prefixed and checksummed, stored hashed, listed without its secret', async () => {
      const created = await mint(team.owner.client, { name: 'CI', scopes: ['read', 'write'], expiresInDays: 30 });
      assert.match(created.token, /^rdp_[0-9A-Za-z]{36}$/);
      assert.ok(isWellFormedApiToken(created.token));
      assert.equal(created.hint, created.token.slice(-4));
      assert.ok(created.expiresAt && Date.parse(created.expiresAt) > Date.now() + 29 * 86_400_000);
      const list = await team.owner.client.get('/api/v1/me/tokens');
      const listed = (list.body.tokens as { id: string }[]).find((t) => t.id === created.id)!;
      assert.ok(listed);
      assert.equal(JSON.stringify(list.body).includes(created.token), false, 'the secret is never listed');
      assert.equal('token' in listed, false);
      // Not among the sign-in sessions ("your devices").
      const sessions = await team.owner.client.get('/api/v1/auth/sessions');
      assert.equal((sessions.body.sessions as { userAgent: string | null }[]).some((s) => s.userAgent?.startsWith('token')), false);
    });

    it('Bearer works on REST and on ws-ticket; the last use is visible to the owner', async () => {
      const { token, id } = await mint(team.owner.client, { name: 'reader-writer', scopes: ['read', 'write'] });
      const api = bearer(server, token);
      const me = await api.get('/api/v1/auth/me');
      assert.equal(me.status, 200, me.text);
      assert.equal(me.body.user.id, team.owner.user.id);
      const sent = await api.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'from a token', clientMessageId: randomUUID() });
      assert.equal(sent.status, 201, sent.text);
      const ticket = await api.post('/api/v1/auth/ws-ticket');
      assert.equal(ticket.status, 200, ticket.text);
      const socket = new TestSocket(server.url, ticket.body.ticket as string);
      await socket.next('ready');
      await socket.close();
      const listed = (await team.owner.client.get('/api/v1/me/tokens')).body.tokens.find((t: { id: string }) => t.id === id);
      assert.ok(listed.lastUsedAt, 'last use recorded');
      assert.equal(listed.lastUsedIp, '127.0.0.1');
    });

    it('a missing scope is 403 INSUFFICIENT_SCOPE on REST and on the socket, and changes nothing', async () => {
      const { token } = await mint(team.owner.client, { name: 'read only', scopes: ['read'] });
      const api = bearer(server, token);
      assert.equal((await api.get(`/api/v1/channels/${team.channelId}/messages`)).status, 200);
      const before = (await team.owner.client.get(`/api/v1/channels/${team.channelId}/messages`)).body.messages.length;
      assertError(await api.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'nope', clientMessageId: randomUUID() }), 403, 'INSUFFICIENT_SCOPE');
      assertError(await api.post('/api/v1/me/tokens', { name: 'more', scopes: ['read'] }), 403, 'INSUFFICIENT_SCOPE');
      const socket = new TestSocket(server.url, (await api.post('/api/v1/auth/ws-ticket')).body.ticket as string);
      await socket.next('ready');
      const answer = await socket.request({ type: 'send', ref: 's1', channelId: team.channelId, body: 'nope', clientMessageId: randomUUID() });
      assert.equal(answer.type, 'error');
      assert.equal(answer.type === 'error' && answer.code, 'INSUFFICIENT_SCOPE');
      await socket.close();
      const { token: writeOnly } = await mint(team.owner.client, { name: 'write only', scopes: ['write'] });
      assertError(await bearer(server, writeOnly).get('/api/v1/auth/me'), 403, 'INSUFFICIENT_SCOPE');
      assert.equal((await team.owner.client.get(`/api/v1/channels/${team.channelId}/messages`)).body.messages.length, before);
    });

    it('revoking a token refuses its next request and closes its open socket at once (4004)', async () => {
      const { token, id } = await mint(team.owner.client, { name: 'doomed', scopes: ['read'] });
      const api = bearer(server, token);
      const socket = new TestSocket(server.url, (await api.post('/api/v1/auth/ws-ticket')).body.ticket as string);
      await socket.next('ready');
      const revoked = await team.owner.client.delete(`/api/v1/me/tokens/${id}`);
      assert.equal(revoked.status, 204, revoked.text);
      assert.equal((await socket.waitForClose()).code, 4004);
      assertError(await api.get('/api/v1/auth/me'), 401, 'SESSION_REVOKED');
      assert.equal((await team.owner.client.get('/api/v1/me/tokens')).body.tokens.some((t: { id: string }) => t.id === id), false);
      // Someone else's token id is a 404, like a missing one.
      const [member] = team.members;
      assertError(await member!.client.delete(`/api/v1/me/tokens/${(await mint(team.owner.client, { name: 'x', scopes: ['read'] })).id}`), 404, 'NOT_FOUND');
    });

    it('bad tokens and bad requests: malformed, bad checksum, unknown, expired, over the limits', async () => {
      assertError(await bearer(server, 'rdp_' + 'a'.repeat(36)).get('/api/v1/auth/me'), 401, 'UNAUTHENTICATED');
      const real = (await mint(team.owner.client, { name: 'typo', scopes: ['read'] })).token;
      const typo = real.slice(0, 10) + (real[10] === 'a' ? 'b' : 'a') + real.slice(11);
      assertError(await bearer(server, typo).get('/api/v1/auth/me'), 401, 'UNAUTHENTICATED');
      for (const body of [
        { name: '', scopes: ['read'] },
        { name: 'x'.repeat(TokenLimits.nameMax + 1), scopes: ['read'] },
        { name: 'x', scopes: [] },
        { name: 'x', scopes: ['root'] },
        { name: 'x', scopes: ['read', 'read'] },
        { name: 'x', scopes: ['read'], expiresInDays: 0 },
        { name: 'x', scopes: ['read'], expiresInDays: TokenLimits.maxExpiresInDays + 1 },
      ]) {
        assertError(await team.owner.client.post('/api/v1/me/tokens', body), 400, 'VALIDATION_FAILED');
      }
      await mint(team.owner.client, { name: 'x'.repeat(TokenLimits.nameMax), scopes: ['read'], expiresInDays: TokenLimits.maxExpiresInDays });
    });

    it('an expired token is 401 TOKEN_EXPIRED', async () => {
      let now = Date.now();
      const clocked = await startTestServer({ database, clock: { now: () => now } });
      try {
        const owner = await setUpTeam(clocked, 0);
        const { token } = await mint(owner.owner.client, { name: 'short', scopes: ['read'], expiresInDays: 1 });
        assert.equal((await bearer(clocked, token).get('/api/v1/auth/me')).status, 200);
        now += 86_400_000 + 1;
        assertError(await bearer(clocked, token).get('/api/v1/auth/me'), 401, 'TOKEN_EXPIRED');
      } finally {
        await clocked.close();
      }
    });

    it('bots: created by workspace admins only, marked as bots, cannot log in, post with their rdb_ tokens', async () => {
      const [member] = team.members;
      const username = `bot_${randomUUID().slice(0, 8)}`;
      assertError(await member!.client.post(`/api/v1/workspaces/${team.workspaceId}/bots`, { username }), 403, 'FORBIDDEN');
      const created = await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots`, { username, displayName: 'Deploy bot' });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.isBot, true);
      const botId = created.body.id as string;
      assertError(await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots`, { username }), 409, 'USERNAME_TAKEN');

      assertError(await new TestClient(server.url).post('/api/v1/auth/login', { username, password: '!bot' }), 401, 'INVALID_CREDENTIALS');
      assertError(await member!.client.post(`/api/v1/workspaces/${team.workspaceId}/bots/${botId}/tokens`, { name: 'x', scopes: ['write'] }), 403, 'FORBIDDEN');
      const minted = await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots/${botId}/tokens`, { name: 'deploys', scopes: ['read', 'write'] });
      assert.equal(minted.status, 201, minted.text);
      assert.match(minted.body.token, /^rdb_/);
      const bot = bearer(server, minted.body.token as string);
      const me = await bot.get('/api/v1/auth/me');
      assert.equal(me.body.user.isBot, true);
      // A member of the workspace: it can join the public channel and post there.
      assert.equal((await bot.post(`/api/v1/channels/${team.channelId}/join`)).status < 300, true);
      const sent = await bot.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'deployed', clientMessageId: randomUUID() });
      assert.equal(sent.status, 201, sent.text);
      assert.equal(sent.body.authorId, botId);
      const members = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/members`);
      const marked = (members.body.members as { userId: string; isBot?: boolean }[]).filter((m) => m.isBot);
      assert.deepEqual(marked.map((m) => m.userId), [botId], 'the bot, and only the bot, is marked in the member list');
      const bots = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/bots`);
      assert.deepEqual((bots.body.bots as { id: string }[]).map((b) => b.id), [botId]);
      // A human is not a bot of this workspace: the same 404 as a missing one.
      assertError(await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots/${member!.user.id}/tokens`, { name: 'x', scopes: ['read'] }), 404, 'NOT_FOUND');
      const tokenId = minted.body.id as string;
      assert.equal((await team.owner.client.delete(`/api/v1/workspaces/${team.workspaceId}/bots/${botId}/tokens/${tokenId}`)).status, 204);
      assertError(await bot.get('/api/v1/auth/me'), 401, 'SESSION_REVOKED');
    });

    it('other tenants see no bots: listing or minting in a workspace one is not in is 404', async () => {
      const outsider = await setUpTeam(server, 0);
      assertError(await outsider.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/bots`), 404, 'NOT_FOUND');
      const member = await newWorkspaceMember(server, team);
      assertError(await member.client.get(`/api/v1/workspaces/${team.workspaceId}/bots`), 403, 'FORBIDDEN');
    });
  });
}
