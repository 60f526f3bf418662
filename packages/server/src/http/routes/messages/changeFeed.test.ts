import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, StoredChannelEvent } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertError, assertGapFree, createChannel, edit, eventPage, fullHistory, joinChannel, react, send, setUpTeam, signUp, type Team } from './fixtures.js';

/** What a client keeps per top-level message, in a comparable form. */
function view(m: Message) {
  return {
    id: m.id,
    seq: m.seq,
    authorId: m.authorId,
    body: m.body,
    editedAt: m.editedAt,
    deleted: m.deleted,
    replyCount: m.replyCount,
    lastReplyAt: m.lastReplyAt,
    pinned: m.pinned,
    mentions: { userIds: [...m.mentions.userIds].sort(), channel: m.mentions.channel },
    reactions: m.reactions.map((r) => ({ emoji: r.emoji, count: r.count, userIds: [...r.userIds].sort() })).sort((a, b) => a.emoji.localeCompare(b.emoji)),
  };
}
type View = ReturnType<typeof view>;

/** A client's reducer: applies feed events to its message list (top-level messages only, as history shows). */
function apply(state: Map<string, View>, events: StoredChannelEvent[]): void {
  for (const { event } of events) {
    const target = 'messageId' in event ? state.get(event.messageId) : undefined;
    switch (event.type) {
      case 'message.created':
      case 'message.edited':
        if (event.message.threadRootId === null) state.set(event.message.id, view(event.message));
        break;
      case 'message.deleted':
        if (target) Object.assign(target, { deleted: true, body: '', reactions: [], pinned: false, mentions: { userIds: [], channel: false } });
        break;
      case 'thread.updated':
        if (target) Object.assign(target, { replyCount: event.replyCount, lastReplyAt: event.lastReplyAt });
        break;
      case 'reaction.added':
      case 'reaction.removed': {
        if (!target) break;
        const users = new Map(target.reactions.map((r) => [r.emoji, new Set(r.userIds)]));
        const set = users.get(event.emoji) ?? new Set<string>();
        if (event.type === 'reaction.added') set.add(event.userId);
        else set.delete(event.userId);
        users.set(event.emoji, set);
        target.reactions = [...users]
          .filter(([, s]) => s.size > 0)
          .map(([emoji, s]) => ({ emoji, count: s.size, userIds: [...s].sort() }))
          .sort((a, b) => a.emoji.localeCompare(b.emoji));
        break;
      }
      case 'pin.added':
      case 'pin.removed':
        if (target) target.pinned = event.type === 'pin.added';
        break;
      default:
        break;
    }
  }
}

const snapshot = (messages: Message[]) => new Map(messages.map((m) => [m.id, view(m)]));
const sorted = (state: Map<string, View>) => [...state.values()].sort((a, b) => b.seq - a.seq);

for (const database of DATABASES) {
  describe(`GET /api/v1/channels/:id/events — the change feed (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    it('returns the events after the cursor in order, respects limit, and pages to lastSeq', async () => {
      const [alice] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'paging-feed');
      for (let i = 0; i < 23; i += 1) await send(alice!, channelId, `m${i}`);
      const whole = await eventPage(alice!, channelId, 0);
      assert.equal(whole.events.length, 24);
      assertGapFree(whole.events);
      assert.equal(whole.lastSeq, 24);

      const seen: number[] = [];
      let cursor = 0;
      let pages = 0;
      for (;;) {
        const page = await eventPage(alice!, channelId, cursor, 5);
        assert.ok(page.events.length <= 5);
        assert.equal(page.lastSeq, 24);
        if (page.events.length === 0) break;
        seen.push(...page.events.map((e) => e.seq));
        cursor = page.events.at(-1)!.seq;
        pages += 1;
      }
      assert.equal(pages, 5);
      assert.deepEqual(seen, Array.from({ length: 24 }, (_, i) => i + 1));

      const middle = await eventPage(alice!, channelId, 10, 3);
      assert.deepEqual(middle.events.map((e) => e.seq), [11, 12, 13]);
      assert.deepEqual((await eventPage(alice!, channelId, 24)).events, []);
      assert.deepEqual((await eventPage(alice!, channelId, 1000)).events, []);
    });

    it('validates the query: after is required, limit is 1..1000', async () => {
      const base = `/api/v1/channels/${team.channelId}/events`;
      const c = team.owner.client;
      assertError(await c.get(base), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`${base}?after=-1`), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`${base}?after=0&limit=0`), 400, 'VALIDATION_FAILED');
      assertError(await c.get(`${base}?after=0&limit=1001`), 400, 'VALIDATION_FAILED');
      assert.equal((await c.get(`${base}?after=0&limit=1000`)).status, 200);
    });

    it('carries any text byte for byte: non-ASCII, emoji, quotes and escapes survive the feed', async () => {
      const channelId = await createChannel(team.owner, team.workspaceId, `utf8-${Date.now()}`);
      const bodies = ['日本語のメッセージ', 'emoji 👋🏽 and a ZWJ 👩‍💻', 'quotes " and \\ backslash \\n not a newline', 'Ünïcödé ß ç'];
      const sent = [];
      for (const body of bodies) sent.push(await send(team.owner, channelId, body));
      // Uncompressed, so that Content-Length counts the JSON's own bytes.
      const res = await team.owner.client.get(`/api/v1/channels/${channelId}/events?after=0`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json; charset=utf-8/);
      const created = (res.body.events as StoredChannelEvent[]).flatMap((e) => (e.event.type === 'message.created' ? [e.event.message] : []));
      assert.deepEqual(created.map((m) => m.body), bodies);
      assert.deepEqual(created.map((m) => m.id), sent.map((m) => m.id));
      assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(res.text), 'length in bytes, not characters');
    });

    it('a deleted message leaves a message.deleted event and keeps its message.created event', async () => {
      const [alice] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'deleted-feed');
      const message = await send(alice!, channelId, 'soon gone');
      assert.equal((await alice!.client.delete(`/api/v1/messages/${message.id}`)).status, 204);
      const events = await allEvents(alice!, channelId);
      assertGapFree(events);
      const created = events.find((e) => e.event.type === 'message.created');
      assert.equal(created?.seq, message.seq);
      const deleted = events.at(-1)!;
      assert.deepEqual(deleted.event, { type: 'message.deleted', messageId: message.id });
      assert.equal(deleted.actorId, alice!.user.id);
      assert.ok(deleted.seq > message.seq);
    });

    it('a stale snapshot plus the events since reproduces a fresh snapshot; a replay from 0 does too', async () => {
      const [alice, bob] = team.members;
      const owner = team.owner;
      const channelId = await createChannel(alice!, team.workspaceId, 'replay-feed');
      await joinChannel(bob!, channelId);
      await joinChannel(owner, channelId);
      const early = [];
      for (let i = 0; i < 6; i += 1) early.push(await send(i % 2 ? bob! : alice!, channelId, `early ${i} @${bob!.user.username}`));
      await react(bob!, early[0]!.id, '👍');
      await react(owner, early[0]!.id, '👍');
      await react(alice!, early[1]!.id, '🔥');
      const doomedReply = await send(bob!, channelId, 'reply soon deleted', { threadRootId: early[2]!.id });

      const staleCursor = (await eventPage(alice!, channelId, 0)).lastSeq;
      const stale = snapshot(await fullHistory(alice!, channelId));

      assert.equal((await edit(alice!, early[0]!.id, 'early 0, edited @channel')).status, 200);
      await react(alice!, early[0]!.id, '👍');
      await react(bob!, early[0]!.id, '👍', false);
      await react(bob!, early[3]!.id, 'party_parrot');
      assert.equal((await owner.client.delete(`/api/v1/messages/${early[1]!.id}`)).status, 204); // reacted-to, deleted by an admin
      await send(alice!, channelId, 'thread reply 1', { threadRootId: early[2]!.id });
      await send(owner, channelId, 'thread reply 2', { threadRootId: early[4]!.id });
      assert.equal((await bob!.client.delete(`/api/v1/messages/${doomedReply.id}`)).status, 204);
      assert.equal((await alice!.client.request('PUT', `/api/v1/messages/${early[2]!.id}/pin`)).status, 204);
      assert.equal((await alice!.client.request('PUT', `/api/v1/messages/${early[5]!.id}/pin`)).status, 204);
      assert.equal((await alice!.client.request('DELETE', `/api/v1/messages/${early[5]!.id}/pin`)).status, 204);
      const late = await send(bob!, channelId, 'late message');
      await react(alice!, late.id, '✅');
      assert.equal((await edit(bob!, late.id, 'late message, edited')).status, 200);
      assert.equal((await bob!.client.delete(`/api/v1/messages/${early[3]!.id}`)).status, 204);

      const fresh = sorted(snapshot(await fullHistory(alice!, channelId)));
      const missed = await allEvents(alice!, channelId, staleCursor);
      assert.equal(missed[0]!.seq, staleCursor + 1);
      assertGapFree(missed, staleCursor + 1);
      apply(stale, missed);
      assert.deepEqual(sorted(stale), fresh, 'stale snapshot + events == fresh snapshot');

      const fromScratch = new Map<string, View>();
      apply(fromScratch, await allEvents(bob!, channelId, 0, 7));
      assert.deepEqual(sorted(fromScratch), fresh, 'replay from 0 == fresh snapshot');
    });

    it('refuses the feed of a private channel to non-members (404), but a public one is readable by workspace members', async () => {
      const [alice, bob] = team.members;
      const secret = await createChannel(alice!, team.workspaceId, 'feed-secret', { kind: 'private' });
      await send(alice!, secret, 'hush');
      assertError(await bob!.client.get(`/api/v1/channels/${secret}/events?after=0`), 404, 'NOT_FOUND');
      const stranger = await signUp(server);
      assertError(await stranger.client.get(`/api/v1/channels/${team.channelId}/events?after=0`), 404, 'NOT_FOUND');
      const open = await createChannel(alice!, team.workspaceId, 'feed-open');
      assert.equal((await bob!.client.get(`/api/v1/channels/${open}/events?after=0`)).status, 200);
    });
  });
}
