import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../clock.js';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertError, edit, getMessage, history, react, send, setUpTeam, unreadsOf, type Person, type Team } from './fixtures.js';

const del = (person: Person, messageId: string) => person.client.delete(`/api/v1/messages/${messageId}`);

for (const database of DATABASES) {
  describe(`DELETE /api/v1/messages/:id — tombstones (${database})`, () => {
    let server: TestServer;
    let team: Team;
    const clock = new ManualClock();

    before(async () => {
      server = await startTestServer({ database, clock });
      team = await setUpTeam(server, 3);
    });
    after(() => server.close());

    /** Moves time on; everyone refreshes their 15-minute access token as a real client would. */
    async function advance(ms: number): Promise<void> {
      clock.advance(ms);
      for (const p of [team.owner, ...team.members]) assert.equal((await p.client.post('/api/v1/auth/refresh')).status, 200);
    }

    it('the author deletes: 204, then a tombstone in history and on GET (deleted, empty body)', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'delete me');
      const res = await del(alice!, message.id);
      assert.equal(res.status, 204, res.text);
      const tombstone = (await history(team.owner, team.channelId)).messages.find((m) => m.id === message.id);
      assert.ok(tombstone, 'the tombstone keeps its place in history');
      assert.equal(tombstone.deleted, true);
      assert.equal(tombstone.body, '');
      assert.equal(tombstone.seq, message.seq);
      const fetched = await getMessage(team.owner, message.id);
      assert.equal(fetched.deleted, true);
      assert.equal(fetched.body, '');
    });

    it('removes the edit history, reactions, mentions and pin with the text', async () => {
      const [alice, bob, carol] = team.members;
      const message = await send(alice!, team.channelId, `secret v1 @${bob!.user.username} @channel`);
      assert.equal((await edit(alice!, message.id, `secret v2 @${bob!.user.username}`)).status, 200);
      assert.equal((await react(bob!, message.id, '👀')).status, 204);
      assert.equal((await react(carol!, message.id, '👀')).status, 204);
      assert.equal((await alice!.client.request('PUT', `/api/v1/messages/${message.id}/pin`)).status, 204);
      assert.equal((await del(alice!, message.id)).status, 204);

      const edits = await bob!.client.get(`/api/v1/messages/${message.id}/edits`);
      assert.equal(edits.status, 200, edits.text);
      assert.deepEqual(edits.body.edits, []);
      const fetched = await getMessage(bob!, message.id);
      assert.deepEqual(fetched.reactions, []);
      assert.deepEqual(fetched.mentions, { userIds: [], channel: false });
      assert.equal(fetched.pinned, false);
      const pins = await bob!.client.get(`/api/v1/channels/${team.channelId}/pins`);
      assert.ok(!pins.body.messages.some((m: { id: string }) => m.id === message.id));
      const text = JSON.stringify((await history(bob!, team.channelId, 'limit=100')).messages);
      assert.ok(!text.includes('secret v'), 'no trace of the text in history');
    });

    it('a deleted message no longer counts as unread or as a mention', async () => {
      const [alice, bob] = team.members;
      await bob!.client.post(`/api/v1/channels/${team.channelId}/read`, { seq: 1_000_000 });
      const message = await send(alice!, team.channelId, `ping @${bob!.user.username}`);
      const before = (await unreadsOf(bob!)).get(team.channelId)!;
      assert.equal(before.unreadCount, 1);
      assert.equal(before.mentionCount, 1);
      assert.equal((await del(alice!, message.id)).status, 204);
      const after = (await unreadsOf(bob!)).get(team.channelId)!;
      assert.equal(after.unreadCount, 0);
      assert.equal(after.mentionCount, 0);
    });

    it('deleting again is 404, editing a deleted message is 404, reacting to it is 404', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, 'once');
      assert.equal((await del(alice!, message.id)).status, 204);
      const lastSeq = (await allEvents(alice!, team.channelId)).at(-1)!.seq;
      assertError(await del(alice!, message.id), 404, 'NOT_FOUND');
      assertError(await del(team.owner, message.id), 404, 'NOT_FOUND');
      assertError(await edit(alice!, message.id, 'resurrect'), 404, 'NOT_FOUND');
      assertError(await react(bob!, message.id, '👍'), 404, 'NOT_FOUND');
      assertError(await alice!.client.request('PUT', `/api/v1/messages/${message.id}/pin`), 404, 'NOT_FOUND');
      assert.equal((await allEvents(alice!, team.channelId)).at(-1)!.seq, lastSeq, 'no change was numbered');
    });

    it('another member may not delete (403) and the message survives', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, 'not yours');
      assertError(await del(bob!, message.id), 403, 'FORBIDDEN');
      assert.equal((await getMessage(bob!, message.id)).deleted, false);
      assert.equal((await getMessage(bob!, message.id)).body, 'not yours');
    });

    it('the workspace owner deletes anyone\u2019s message, even long after the edit window', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'moderate me');
      await advance(2 * 24 * 60 * 60 * 1000);
      assert.equal((await del(team.owner, message.id)).status, 204);
      const last = (await allEvents(team.owner, team.channelId)).at(-1)!;
      assert.deepEqual(last.event, { type: 'message.deleted', messageId: message.id });
      assert.equal(last.actorId, team.owner.user.id);
    });

    it('a workspace admin (promoted member) may delete others\u2019 messages', async () => {
      const [alice, , carol] = team.members;
      const promote = await team.owner.client.request('PATCH', `/api/v1/workspaces/${team.workspaceId}/members/${carol!.user.id}`, { body: { role: 'admin' } });
      assert.equal(promote.status, 204, promote.text);
      const message = await send(alice!, team.channelId, 'admin can remove');
      assert.equal((await del(carol!, message.id)).status, 204);
      assert.equal((await getMessage(alice!, message.id)).deleted, true);
    });

    it('the author may delete after the edit window closes', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'old news');
      await advance(60 * 60 * 1000);
      assertError(await edit(alice!, message.id, 'too late'), 403, 'EDIT_WINDOW_CLOSED');
      assert.equal((await del(alice!, message.id)).status, 204);
    });

    it('an unknown message id is 404', async () => {
      assertError(await del(team.owner, 'does-not-exist'), 404, 'NOT_FOUND');
    });
  });
}
