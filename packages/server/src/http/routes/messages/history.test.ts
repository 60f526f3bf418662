import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertError, createChannel, history, send, setUpTeam, type Team } from './fixtures.js';

const seqs = (messages: Message[]) => messages.map((m) => m.seq);
const isNewestFirst = (messages: Message[]) => messages.every((m, i) => i === 0 || messages[i - 1]!.seq > m.seq);

for (const database of DATABASES) {
  describe(`GET /api/v1/channels/:id/messages — history pages (${database})`, () => {
    let server: TestServer;
    let team: Team;
    /** 250 top-level messages (oldest first) with a few thread replies among them. */
    let big: { channelId: string; messages: Message[]; replies: Message[] };

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 1);
      const [alice] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'big-history');
      const messages: Message[] = [];
      const replies: Message[] = [];
      for (let i = 0; i < 250; i += 1) {
        messages.push(await send(alice!, channelId, `message ${i}`));
        if (i % 50 === 10) replies.push(await send(alice!, channelId, `reply to ${i}`, { threadRootId: messages[i]!.id }));
      }
      big = { channelId, messages, replies };
    });
    after(() => server.close());

    const expectedSeqs = (from: number, to: number) => seqs(big.messages.slice(from, to)).reverse();

    it('defaults to the latest 50, newest first, with more before and none after', async () => {
      const page = await history(team.owner, big.channelId);
      assert.equal(page.messages.length, 50);
      assert.deepEqual(seqs(page.messages), expectedSeqs(200, 250));
      assert.equal(page.hasMoreBefore, true);
      assert.equal(page.hasMoreAfter, false);
    });

    it('pages back through 250 messages with before= and sees every message exactly once, never a thread reply', async () => {
      const seen: string[] = [];
      let page = await history(team.owner, big.channelId, 'limit=30');
      let pages = 1;
      seen.push(...page.messages.map((m) => m.id));
      assert.ok(isNewestFirst(page.messages));
      while (page.hasMoreBefore) {
        page = await history(team.owner, big.channelId, `limit=30&before=${page.messages.at(-1)!.seq}`);
        assert.ok(isNewestFirst(page.messages));
        assert.equal(page.hasMoreAfter, true);
        seen.push(...page.messages.map((m) => m.id));
        pages += 1;
      }
      assert.equal(pages, 9);
      assert.equal(seen.length, 250);
      assert.equal(new Set(seen).size, 250);
      assert.deepEqual(seen, big.messages.map((m) => m.id).reverse());
      const replyIds = new Set(big.replies.map((r) => r.id));
      assert.ok(seen.every((id) => !replyIds.has(id)), 'thread replies are not in the channel history');
    });

    it('the oldest page reports no more before, the newest no more after', async () => {
      const oldest = await history(team.owner, big.channelId, `limit=10&before=${big.messages[10]!.seq}`);
      assert.deepEqual(seqs(oldest.messages), expectedSeqs(0, 10));
      assert.equal(oldest.hasMoreBefore, false);
      assert.equal(oldest.hasMoreAfter, true);

      const exact = await history(team.owner, big.channelId, `limit=100&before=${big.messages[0]!.seq}`);
      assert.deepEqual(exact.messages, []);
      assert.equal(exact.hasMoreBefore, false);

      const newest = await history(team.owner, big.channelId, `limit=10&after=${big.messages[239]!.seq}`);
      assert.deepEqual(seqs(newest.messages), expectedSeqs(240, 250));
      assert.equal(newest.hasMoreAfter, false);
      assert.equal(newest.hasMoreBefore, true);
    });

    it('before and after are exclusive cursors; after= returns the next page up, still newest first', async () => {
      const before = await history(team.owner, big.channelId, `limit=5&before=${big.messages[100]!.seq}`);
      assert.deepEqual(seqs(before.messages), expectedSeqs(95, 100));
      assert.equal(before.hasMoreBefore, true);
      assert.equal(before.hasMoreAfter, true);

      const after = await history(team.owner, big.channelId, `limit=5&after=${big.messages[100]!.seq}`);
      assert.deepEqual(seqs(after.messages), expectedSeqs(101, 106));
      assert.equal(after.hasMoreBefore, true);
      assert.equal(after.hasMoreAfter, true);

      const fromStart = await history(team.owner, big.channelId, 'limit=3&after=0');
      assert.deepEqual(seqs(fromStart.messages), expectedSeqs(0, 3));
      assert.equal(fromStart.hasMoreBefore, false);
    });

    it('pages forward with after= from the start and sees every message once', async () => {
      const seen: number[] = [];
      let cursor = 0;
      for (;;) {
        const page = await history(team.owner, big.channelId, `limit=100&after=${cursor}`);
        seen.push(...seqs(page.messages).reverse());
        if (!page.hasMoreAfter) break;
        cursor = page.messages[0]!.seq;
      }
      assert.deepEqual(seen, seqs(big.messages));
    });

    it('around= centres the page on a message', async () => {
      const anchor = big.messages[120]!;
      const page = await history(team.owner, big.channelId, `limit=11&around=${anchor.id}`);
      assert.deepEqual(seqs(page.messages), expectedSeqs(115, 126));
      assert.equal(page.messages[5]!.id, anchor.id);
      assert.equal(page.hasMoreBefore, true);
      assert.equal(page.hasMoreAfter, true);

      const nearStart = await history(team.owner, big.channelId, `limit=11&around=${big.messages[2]!.id}`);
      assert.ok(nearStart.messages.some((m) => m.id === big.messages[2]!.id));
      assert.equal(nearStart.messages.at(-1)!.id, big.messages[0]!.id);
      assert.equal(nearStart.hasMoreBefore, false);
      assert.equal(nearStart.hasMoreAfter, true);

      const nearEnd = await history(team.owner, big.channelId, `limit=11&around=${big.messages[248]!.id}`);
      assert.equal(nearEnd.messages[0]!.id, big.messages[249]!.id);
      assert.equal(nearEnd.hasMoreAfter, false);
      assert.ok(isNewestFirst(nearEnd.messages));
    });

    it('around= a thread reply, a message of another channel or an unknown id is 404', async () => {
      const c = team.owner.client;
      assertError(await c.get(`/api/v1/channels/${big.channelId}/messages?around=${big.replies[0]!.id}`), 404, 'NOT_FOUND');
      assertError(await c.get(`/api/v1/channels/${team.channelId}/messages?around=${big.messages[0]!.id}`), 404, 'NOT_FOUND');
      assertError(await c.get(`/api/v1/channels/${big.channelId}/messages?around=unknown-id`), 404, 'NOT_FOUND');
    });

    it('limit is 1..100: 0 and 101 are 400, 1 and 100 work', async () => {
      const base = `/api/v1/channels/${big.channelId}/messages`;
      const c = team.owner.client;
      assertError(await c.get(`${base}?limit=0`), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`${base}?limit=101`), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`${base}?limit=abc`), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`${base}?before=-1`), 400, 'VALIDATION_FAILED');
      assert.equal((await history(team.owner, big.channelId, 'limit=1')).messages.length, 1);
      assert.equal((await history(team.owner, big.channelId, 'limit=100')).messages.length, 100);
    });

    it('before, after and around exclude each other', async () => {
      const c = team.owner.client;
      assertError(await c.get(`/api/v1/channels/${big.channelId}/messages?before=10&after=5`), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`/api/v1/channels/${big.channelId}/messages?before=10&around=${big.messages[3]!.id}`), 400, 'VALIDATION_FAILED');
    });

    it('an empty channel has an empty page with nothing before or after', async () => {
      const channelId = await createChannel(team.owner, team.workspaceId, 'empty-history');
      const page = await history(team.owner, channelId);
      assert.deepEqual(page, { messages: [], hasMoreBefore: false, hasMoreAfter: false });
    });
  });
}
