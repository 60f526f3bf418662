import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@relaydesk/protocol';
import { ManualClock } from '../../../clock.js';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertError, createChannel, getMessage, history, newWorkspaceMember, postMessage, send, setUpTeam, type Person, type Team } from './fixtures.js';

const repliesOf = async (person: Person, rootId: string, query = '') => {
  const res = await person.client.get(`/api/v1/messages/${rootId}/replies${query ? `?${query}` : ''}`);
  assert.equal(res.status, 200, res.text);
  return res.body as { root: Message; replies: Message[]; hasMore: boolean };
};

for (const database of DATABASES) {
  describe(`threads: replies, counts and pages (${database})`, () => {
    let server: TestServer;
    let team: Team;
    const clock = new ManualClock(Date.parse('2031-03-01T08:00:00.000Z'));

    before(async () => {
      server = await startTestServer({ database, clock });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    it('a reply updates the root\u2019s replyCount and lastReplyAt, and numbers a thread.updated event', async () => {
      const [alice, bob] = team.members;
      const root = await send(alice!, team.channelId, 'thread root');
      assert.equal(root.replyCount, 0);
      assert.equal(root.lastReplyAt, null);
      clock.advance(1_000);
      const first = await send(bob!, team.channelId, 'first reply', { threadRootId: root.id });
      assert.equal(first.threadRootId, root.id);
      clock.advance(1_000);
      const second = await send(alice!, team.channelId, 'second reply', { threadRootId: root.id });

      const fetched = await getMessage(bob!, root.id);
      assert.equal(fetched.replyCount, 2);
      assert.equal(fetched.lastReplyAt, second.createdAt);

      const events = await allEvents(alice!, team.channelId);
      const last = events.at(-1)!;
      assert.deepEqual(last.event, { type: 'thread.updated', messageId: root.id, replyCount: 2, lastReplyAt: second.createdAt });
      assert.equal(last.seq, second.seq + 1);
      assert.equal(events.at(-2)!.seq, second.seq);
      assert.notEqual(first.createdAt, second.createdAt);
    });

    it('replies are not in the channel history, but the root is, with its count', async () => {
      const [alice, bob] = team.members;
      const root = await send(alice!, team.channelId, 'history root');
      const reply = await send(bob!, team.channelId, 'hidden from history', { threadRootId: root.id });
      const page = await history(alice!, team.channelId, 'limit=100');
      assert.ok(!page.messages.some((m) => m.id === reply.id));
      assert.equal(page.messages.find((m) => m.id === root.id)?.replyCount, 1);
      assert.equal((await getMessage(alice!, reply.id)).threadRootId, root.id);
    });

    it('GET replies pages oldest first with after= and hasMore', async () => {
      const [alice, bob] = team.members;
      const root = await send(alice!, team.channelId, 'busy thread');
      const replies: Message[] = [];
      for (let i = 0; i < 7; i += 1) {
        await send(alice!, team.channelId, `interleaved top-level ${i}`);
        replies.push(await send(i % 2 ? alice! : bob!, team.channelId, `reply ${i}`, { threadRootId: root.id }));
      }
      const firstPage = await repliesOf(bob!, root.id, 'limit=3');
      assert.equal(firstPage.root.id, root.id);
      assert.equal(firstPage.root.replyCount, 7);
      assert.deepEqual(firstPage.replies.map((r) => r.id), replies.slice(0, 3).map((r) => r.id));
      assert.equal(firstPage.hasMore, true);

      const seen = [...firstPage.replies];
      let page = firstPage;
      while (page.hasMore) {
        page = await repliesOf(bob!, root.id, `limit=3&after=${page.replies.at(-1)!.seq}`);
        seen.push(...page.replies);
      }
      assert.deepEqual(seen.map((r) => r.body), replies.map((r) => r.body));
      assert.equal(page.replies.length, 1);

      const exact = await repliesOf(bob!, root.id, 'limit=7');
      assert.equal(exact.replies.length, 7);
      assert.equal(exact.hasMore, false);
      const all = await repliesOf(bob!, root.id);
      assert.equal(all.replies.length, 7);
      assert.equal(all.hasMore, false);
      assertError(await bob!.client.get(`/api/v1/messages/${root.id}/replies?limit=0`), 400, 'VALIDATION_FAILED');
      assertError(await bob!.client.get(`/api/v1/messages/${root.id}/replies?limit=101`), 400, 'VALIDATION_FAILED');
    });

    it('a reply to a reply is 400 and stores nothing', async () => {
      const [alice, bob] = team.members;
      const root = await send(alice!, team.channelId, 'flat threads only');
      const reply = await send(bob!, team.channelId, 'level one', { threadRootId: root.id });
      const res = await postMessage(alice!, team.channelId, 'level two', { threadRootId: reply.id });
      assertError(res, 400, 'VALIDATION_FAILED');
      assert.equal((await getMessage(alice!, root.id)).replyCount, 1);
      assertError(await alice!.client.get(`/api/v1/messages/${reply.id}/replies`), 404, 'NOT_FOUND');
    });

    it('a root in another channel, an unknown root or a deleted root is 404', async () => {
      const [alice] = team.members;
      const elsewhere = await createChannel(alice!, team.workspaceId, 'thread-elsewhere');
      const foreignRoot = await send(alice!, elsewhere, 'root over there');
      assertError(await postMessage(alice!, team.channelId, 'cross-channel reply', { threadRootId: foreignRoot.id }), 404, 'NOT_FOUND');
      assertError(await postMessage(alice!, team.channelId, 'orphan', { threadRootId: 'no-such-root' }), 404, 'NOT_FOUND');
      const gone = await send(alice!, team.channelId, 'root to delete');
      assert.equal((await alice!.client.delete(`/api/v1/messages/${gone.id}`)).status, 204);
      assertError(await postMessage(alice!, team.channelId, 'too late', { threadRootId: gone.id }), 404, 'NOT_FOUND');
      assert.equal((await getMessage(alice!, foreignRoot.id)).replyCount, 0);
    });

    it('deleting a reply decrements replyCount and moves lastReplyAt back', async () => {
      const [alice, bob] = team.members;
      const root = await send(alice!, team.channelId, 'shrinking thread');
      clock.advance(1_000);
      const older = await send(bob!, team.channelId, 'older reply', { threadRootId: root.id });
      clock.advance(1_000);
      const newer = await send(bob!, team.channelId, 'newer reply', { threadRootId: root.id });
      assert.equal((await getMessage(alice!, root.id)).replyCount, 2);

      assert.equal((await bob!.client.delete(`/api/v1/messages/${newer.id}`)).status, 204);
      let fetched = await getMessage(alice!, root.id);
      assert.equal(fetched.replyCount, 1);
      assert.equal(fetched.lastReplyAt, older.createdAt);
      const events = await allEvents(alice!, team.channelId);
      assert.deepEqual(events.at(-2)!.event, { type: 'message.deleted', messageId: newer.id });
      assert.deepEqual(events.at(-1)!.event, { type: 'thread.updated', messageId: root.id, replyCount: 1, lastReplyAt: older.createdAt });

      assert.equal((await bob!.client.delete(`/api/v1/messages/${older.id}`)).status, 204);
      fetched = await getMessage(alice!, root.id);
      assert.equal(fetched.replyCount, 0);
      assert.equal(fetched.lastReplyAt, null);
    });

    it('replying needs channel membership like any send', async () => {
      const [alice] = team.members;
      const root = await send(alice!, team.channelId, 'members only');
      const lurker = await newWorkspaceMember(server, team);
      assertError(await postMessage(lurker, team.channelId, 'drive-by', { threadRootId: root.id }), 403, 'NOT_A_MEMBER');
      assert.equal((await repliesOf(lurker, root.id)).replies.length, 0, 'a public thread is readable by workspace members');
    });
  });
}
