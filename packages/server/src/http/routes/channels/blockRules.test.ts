import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestSocket, sleep } from '../../../realtime/testSocket.js';
import { assertError, assertStatus, createChannel, createTeam, openConversation, randomId, sendMessage, type Person, type Team } from '../workspaces/fixtures.js';

/**
 * What a block stops (policies/blocks.ts), on every path that reaches the blocker, REST and
 * socket alike: edits of earlier messages in a shared conversation, reactions, typing, pulling
 * the blocker into a new channel, and mentions. Each refusal is FORBIDDEN without saying why
 * and leaves the feed as it was.
 */

const block = (p: Person, target: string) => p.client.request('PUT', `/api/v1/me/blocks/${target}`);
const edit = (p: Person, messageId: string, body: string) => p.client.request('PATCH', `/api/v1/messages/${messageId}`, { body: { body } });
const react = (p: Person, messageId: string, emoji: string) => p.client.request('PUT', `/api/v1/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
const typing = (p: Person, channelId: string) => p.client.post(`/api/v1/channels/${channelId}/typing`);
const lastSeq = async (p: Person, channelId: string) => (await p.client.get(`/api/v1/channels/${channelId}`)).body.lastSeq as number;

function assertRefusedQuietly(res: { status: number; body: any; text: string }): void {
  assertError(res as never, 403, 'FORBIDDEN');
  assert.doesNotMatch(res.body.error.message, /block/i, 'the refusal does not say why');
}

for (const database of DATABASES) {
  describe(`what a block stops, over REST and the socket (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    /** blocker and blocked share a DM and a group DM (with a bystander) with one earlier message each; then the block. */
    async function blockedConversations(): Promise<Team & { blocker: Person; blocked: Person; bystander: Person; dm: string; group: string; dmMessage: string; groupMessage: string }> {
      const team = await createTeam(server, 3);
      const [blocker, blocked, bystander] = team.members as [Person, Person, Person];
      const dm = (await openConversation(blocked, team.workspaceId, [blocker])).body.id as string;
      const group = (await openConversation(blocked, team.workspaceId, [blocker, bystander])).body.id as string;
      const dmMessage = (await sendMessage(blocked, dm, 'before the block')).body.id as string;
      const groupMessage = (await sendMessage(blocked, group, 'before the block')).body.id as string;
      assertStatus(await block(blocker, blocked.id), 204);
      return { ...team, blocker, blocked, bystander, dm, group, dmMessage, groupMessage };
    }

    it('the blocked user cannot edit earlier messages in a conversation with the blocker, over REST or the socket', async () => {
      const w = await blockedConversations();
      const seqs = [await lastSeq(w.blocker, w.dm), await lastSeq(w.blocker, w.group)];
      assertRefusedQuietly(await edit(w.blocked, w.dmMessage, 'edited after the block'));
      assertRefusedQuietly(await edit(w.blocked, w.groupMessage, 'edited after the block'));
      const socket = await TestSocket.live(w.blocked.client);
      const answer = await socket.request({ type: 'edit', ref: 'e1', messageId: w.dmMessage, body: 'over the socket' });
      assert.deepEqual([answer.type, answer.type === 'error' && answer.code], ['error', 'FORBIDDEN']);
      await socket.close();
      assert.deepEqual([await lastSeq(w.blocker, w.dm), await lastSeq(w.blocker, w.group)], seqs, 'nothing was recorded');
      assert.equal((await w.blocker.client.get(`/api/v1/messages/${w.dmMessage}`)).body.body, 'before the block');
    });

    it('the blocked user cannot react in the conversation, over REST or the socket; the blocker and bystanders can', async () => {
      const w = await blockedConversations();
      const seq = await lastSeq(w.blocker, w.group);
      assertRefusedQuietly(await react(w.blocked, w.groupMessage, '👍'));
      const socket = await TestSocket.live(w.blocked.client);
      const answer = await socket.request({ type: 'react', ref: 'r1', messageId: w.dmMessage, emoji: '👍', present: true });
      assert.deepEqual([answer.type, answer.type === 'error' && answer.code], ['error', 'FORBIDDEN']);
      await socket.close();
      assert.equal(await lastSeq(w.blocker, w.group), seq);
      assertStatus(await react(w.blocker, w.groupMessage, '👍'), 204);
      assertStatus(await react(w.bystander, w.groupMessage, '🎉'), 204);
    });

    it('typing from the blocked user is refused over REST and the socket and never reaches the blocker', async () => {
      const w = await blockedConversations();
      const listener = await TestSocket.live(w.blocker.client);
      const socket = await TestSocket.live(w.blocked.client);
      assertRefusedQuietly(await typing(w.blocked, w.dm));
      assertRefusedQuietly(await typing(w.blocked, w.group));
      socket.send({ type: 'typing', channelId: w.dm });
      const refusal = await socket.next('error');
      assert.equal(refusal.code, 'FORBIDDEN');
      // The blocker's own typing still reaches the blocked user (a block is one-way).
      listener.send({ type: 'typing', channelId: w.dm });
      await socket.next('typing', (f) => f.userId === w.blocker.id);
      await sleep(150);
      assert.equal(listener.ofType('typing').length, 0, 'no typing notice from the blocked user reached the blocker');
      await socket.close();
      await listener.close();
    });

    it('the blocked user cannot create a channel with the blocker among its members or add the blocker to one', async () => {
      const w = await blockedConversations();
      const channelsBefore = (await w.owner.client.get(`/api/v1/workspaces/${w.workspaceId}/channels`)).body.channels.length;
      for (const kind of ['private', 'public']) {
        const res = await w.blocked.client.post(`/api/v1/workspaces/${w.workspaceId}/channels`, { name: `with-${kind}`, kind, memberIds: [w.bystander.id, w.blocker.id] });
        assertRefusedQuietly(res);
      }
      assert.equal((await w.owner.client.get(`/api/v1/workspaces/${w.workspaceId}/channels`)).body.channels.length, channelsBefore, 'no channel was created');
      const own = await createChannel(w.blocked, w.workspaceId, { name: 'mine', kind: 'private', memberIds: [w.bystander.id] });
      assertRefusedQuietly(await w.blocked.client.post(`/api/v1/channels/${own.id}/members`, { userId: w.blocker.id }));
      const members = (await w.bystander.client.get(`/api/v1/channels/${own.id}/members`)).body;
      assert.ok(!JSON.stringify(members).includes(w.blocker.id), 'the blocker was not added');
      // Anyone else may still add the blocker; the blocker may add the blocked user.
      assertStatus(await w.bystander.client.post(`/api/v1/channels/${own.id}/members`, { userId: w.blocker.id }), 204);
      await createChannel(w.blocker, w.workspaceId, { name: 'blockers-own', kind: 'private', memberIds: [w.blocked.id] });
    });

    it('a mention by the blocked user stays as text but does not reach the blocker; others are still mentioned', async () => {
      const w = await blockedConversations();
      const general = await createChannel(w.owner, w.workspaceId, { name: 'general' });
      for (const p of [w.blocker, w.blocked, w.bystander]) assertStatus(await p.client.post(`/api/v1/channels/${general.id}/join`), 200);
      const [blockerName, bystanderName] = [w.blocker.username, w.bystander.username];
      const sent = await sendMessage(w.blocked, general.id, `hey @${blockerName} and @${bystanderName}`);
      assertStatus(sent, 201);
      assert.deepEqual(sent.body.mentions.userIds, [w.bystander.id]);
      assert.match(sent.body.body, new RegExp(`@${blockerName}`));
      const unreads = (await w.blocker.client.get('/api/v1/me/unreads')).body.unreads as { channelId: string; mentionCount: number }[];
      assert.equal(unreads.find((u) => u.channelId === general.id)?.mentionCount ?? 0, 0, 'the blocker has no mention');
      // An edit cannot sneak the mention in either.
      const edited = await edit(w.blocked, sent.body.id, `again @${blockerName}`);
      assertStatus(edited, 200);
      assert.deepEqual(edited.body.mentions.userIds, []);
    });

    it('PUT /me/blocks/{id}: an unknown id and someone in another tenant get the same 404; a workspace member 204', async () => {
      const team = await createTeam(server, 1);
      const stranger = (await createTeam(server, 0, 'Elsewhere')).owner;
      const unknown = await block(team.owner, randomId());
      const foreign = await block(team.owner, stranger.id);
      assertError(unknown, 404, 'NOT_FOUND');
      assertError(foreign, 404, 'NOT_FOUND');
      assert.equal(unknown.body.error.message, foreign.body.error.message, 'the two answers cannot be told apart');
      assert.deepEqual((await team.owner.client.get('/api/v1/me/blocks')).body.blockedUserIds, []);
      assertStatus(await block(team.owner, team.members[0]!.id), 204);
      // Unblocking never tells either: 204 for anyone.
      assertStatus(await team.owner.client.delete(`/api/v1/me/blocks/${randomUUID()}`), 204);
      assertStatus(await team.owner.client.delete(`/api/v1/me/blocks/${stranger.id}`), 204);
    });
  });
}
