import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { allEvents, assertError, createChannel, createWorkspace, getMessage, history, newWorkspaceMember, postMessage, send, setUpTeam, signUp, type Team } from './fixtures.js';

for (const database of DATABASES) {
  describe(`POST /api/v1/channels/:id/messages — body rules and mentions (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    it('answers 201 with the full message view, numbered by the channel sequence', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'hello team');
      assert.equal(message.body, 'hello team');
      assert.equal(message.channelId, team.channelId);
      assert.equal(message.authorId, alice!.user.id);
      assert.equal(message.threadRootId, null);
      assert.equal(message.clientMessageId, null);
      assert.equal(message.replyCount, 0);
      assert.equal(message.deleted, false);
      assert.equal(message.editedAt, null);
      assert.equal(message.pinned, false);
      assert.deepEqual(message.reactions, []);
      assert.ok(Number.isInteger(message.seq) && message.seq > 0);
      assert.ok(!Number.isNaN(Date.parse(message.createdAt)));
      assert.deepEqual(await getMessage(team.owner, message.id), message);
    });

    it('accepts exactly 10,000 code points after trimming (emoji count once each) and rejects 10,001', async () => {
      const [alice] = team.members;
      const emoji = '😀'.repeat(10_000);
      assert.equal((await send(alice!, team.channelId, emoji)).body, emoji);
      assert.equal((await send(alice!, team.channelId, 'a'.repeat(10_000))).body.length, 10_000);
      assertError(await postMessage(alice!, team.channelId, '😀'.repeat(10_001)), 400, 'VALIDATION_FAILED', 'body');
      assertError(await postMessage(alice!, team.channelId, 'a'.repeat(10_001)), 400, 'VALIDATION_FAILED', 'body');
      const padded = await send(alice!, team.channelId, `   ${'b'.repeat(10_000)}\n\n  `);
      assert.equal(padded.body, 'b'.repeat(10_000), 'the limit applies after trimming');
    });

    it('NFC-normalises the body: e + combining acute is stored as é', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'caf\u0065\u0301');
      assert.equal(message.body, 'caf\u00e9');
      assert.equal((await getMessage(alice!, message.id)).body, 'café');
      // 10,000 decomposed characters (20,000 UTF-16 units) are 10,000 once composed.
      assert.equal([...(await send(alice!, team.channelId, 'e\u0301'.repeat(10_000))).body].length, 10_000);
    });

    it('trims surrounding whitespace but keeps inner newlines and tabs', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, ' \n\t line one\n\tline two \t\n ');
      assert.equal(message.body, 'line one\n\tline two');
    });

    it('rejects empty and whitespace-only bodies with a body field problem', async () => {
      const [alice] = team.members;
      for (const body of ['', ' ', '\n\t \n', '\u00a0\u2003']) {
        assertError(await postMessage(alice!, team.channelId, body), 400, 'VALIDATION_FAILED', 'body');
      }
    });

    it('rejects C0/C1 control characters other than \\n and \\t, and stores nothing', async () => {
      const [alice] = team.members;
      const before = (await history(alice!, team.channelId, 'limit=1')).messages[0]?.seq;
      for (const ch of ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\r', '\u0008']) {
        const res = await postMessage(alice!, team.channelId, `bad${ch}text`);
        assertError(res, 400, 'VALIDATION_FAILED', 'body');
      }
      assertError(await postMessage(alice!, team.channelId, 'ends with bell\u0007'), 400, 'VALIDATION_FAILED', 'body');
      assert.equal((await history(alice!, team.channelId, 'limit=1')).messages[0]?.seq, before, 'nothing was stored');
    });

    it('rejects unknown fields and a non-string body', async () => {
      const [alice] = team.members;
      assertError(await alice!.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'x', extra: 1 }), 400, 'VALIDATION_FAILED');
      assertError(await alice!.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: 42 }), 400, 'VALIDATION_FAILED');
      assertError(await alice!.client.post(`/api/v1/channels/${team.channelId}/messages`, {}), 400, 'VALIDATION_FAILED');
    });

    it('resolves @username mentions case-insensitively, only for workspace members', async () => {
      const [alice, bob] = team.members;
      const outsider = await signUp(server);
      const message = await send(alice!, team.channelId, `hi @${bob!.user.username.toUpperCase()} and @${outsider.user.username} and @nobody_here_at_all`);
      assert.deepEqual(message.mentions, { userIds: [bob!.user.id], channel: false });
    });

    it('mentions workspace members who have not joined the channel, once each', async () => {
      const [alice] = team.members;
      const lurker = await newWorkspaceMember(server, team);
      const message = await send(alice!, team.channelId, `@${lurker.user.username} ping @${lurker.user.username}`);
      assert.deepEqual(message.mentions.userIds, [lurker.user.id]);
    });

    it('treats @channel and @here as channel-wide mentions', async () => {
      const [alice] = team.members;
      assert.equal((await send(alice!, team.channelId, 'heads up @channel')).mentions.channel, true);
      assert.equal((await send(alice!, team.channelId, '@here standup')).mentions.channel, true);
      assert.equal((await send(alice!, team.channelId, 'no mention here')).mentions.channel, false);
    });

    it('does not read an e-mail address as a mention', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, `write to ${bob!.user.username}@example.com or a@b.com`);
      assert.deepEqual(message.mentions, { userIds: [], channel: false });
    });

    it('refuses a workspace member who has not joined the channel (403 NOT_A_MEMBER) and a stranger (404)', async () => {
      const lurker = await newWorkspaceMember(server, team);
      assertError(await postMessage(lurker, team.channelId, 'let me in'), 403, 'NOT_A_MEMBER');
      const stranger = await signUp(server);
      assertError(await postMessage(stranger, team.channelId, 'hello?'), 404, 'NOT_FOUND');
      assertError(await postMessage(team.owner, 'no-such-channel', 'hello?'), 404, 'NOT_FOUND');
    });

    it('refuses an anonymous send with 401', async () => {
      const res = await new TestClient(server.url).post(`/api/v1/channels/${team.channelId}/messages`, { body: 'anon' });
      assert.equal(res.status, 401, res.text);
    });

    it('records a message.created event carrying the stored message', async () => {
      const other = await signUp(server);
      const { workspaceId } = await createWorkspace(other, 'Solo');
      const channelId = await createChannel(other, workspaceId, 'solo');
      const message = await send(other, channelId, '  tidy e\u0301  ');
      const events = await allEvents(other, channelId);
      const created = events.filter((e) => e.event.type === 'message.created');
      assert.equal(created.length, 1);
      assert.equal(created[0]!.seq, message.seq);
      assert.equal(created[0]!.actorId, other.user.id);
      assert.deepEqual((created[0]!.event as { message: unknown }).message, message);
    });
  });
}
