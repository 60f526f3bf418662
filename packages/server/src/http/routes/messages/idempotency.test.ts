import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Message } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertError, assertGapFree, createChannel, fullHistory, postMessage, send, setUpTeam, type Team } from './fixtures.js';

const createdEventsFor = async (team: Team, channelId: string, messageId: string) =>
  (await allEvents(team.owner, channelId)).filter((e) => e.event.type === 'message.created' && (e.event as { message: Message }).message.id === messageId);

for (const database of DATABASES) {
  describe(`idempotent send with clientMessageId (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    it('echoes the clientMessageId on the created message', async () => {
      const cid = randomUUID();
      const message = await send(team.members[0]!, team.channelId, 'with an id', { clientMessageId: cid });
      assert.equal(message.clientMessageId, cid);
    });

    it('a retried send answers 200 with the same message (same id and seq) and stores no duplicate', async () => {
      const [alice] = team.members;
      const cid = randomUUID();
      const first = await postMessage(alice!, team.channelId, 'retry me', { clientMessageId: cid });
      assert.equal(first.status, 201, first.text);
      const retry = await postMessage(alice!, team.channelId, 'retry me', { clientMessageId: cid });
      assert.equal(retry.status, 200, retry.text);
      assert.equal(retry.body.id, first.body.id);
      assert.equal(retry.body.seq, first.body.seq);
      const copies = (await fullHistory(alice!, team.channelId)).filter((m) => m.clientMessageId === cid);
      assert.equal(copies.length, 1);
      assert.equal((await createdEventsFor(team, team.channelId, first.body.id)).length, 1);
    });

    it('a retry with a different body still returns the original message unchanged', async () => {
      const [alice] = team.members;
      const cid = randomUUID();
      const first = await send(alice!, team.channelId, 'original text', { clientMessageId: cid });
      const retry = await postMessage(alice!, team.channelId, 'changed text', { clientMessageId: cid });
      assert.equal(retry.status, 200, retry.text);
      assert.equal(retry.body.id, first.id);
      assert.equal(retry.body.body, 'original text');
    });

    it('10 identical sends racing in parallel create exactly one message, one event and no sequence gap', async () => {
      const [alice] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, `race-${randomUUID().slice(0, 8)}`);
      const cid = randomUUID();
      const results = await Promise.all(Array.from({ length: 10 }, () => postMessage(alice!, channelId, 'only once', { clientMessageId: cid })));
      for (const r of results) assert.ok(r.status === 201 || r.status === 200, r.text);
      assert.equal(results.filter((r) => r.status === 201).length, 1, 'exactly one request created it');
      const ids = new Set(results.map((r) => r.body.id));
      assert.equal(ids.size, 1, 'every request answered with the same message');
      assert.equal(new Set(results.map((r) => r.body.seq)).size, 1);

      const messages = await fullHistory(alice!, channelId);
      assert.equal(messages.length, 1);
      const events = await allEvents(alice!, channelId);
      assert.equal(events.filter((e) => e.event.type === 'message.created').length, 1);
      assertGapFree(events);
      // A send after the race takes the very next number: the losers left no holes.
      const next = await send(alice!, channelId, 'after the race');
      assert.equal(next.seq, events.at(-1)!.seq + 1);
    });

    it('the same clientMessageId from a different user is an independent message', async () => {
      const [alice, bob] = team.members;
      const cid = randomUUID();
      const fromAlice = await send(alice!, team.channelId, 'alice says', { clientMessageId: cid });
      const fromBob = await postMessage(bob!, team.channelId, 'bob says', { clientMessageId: cid });
      assert.equal(fromBob.status, 201, fromBob.text);
      assert.notEqual(fromBob.body.id, fromAlice.id);
      assert.equal(fromBob.body.authorId, bob!.user.id);
      assert.equal(fromBob.body.body, 'bob says');
      const replay = await postMessage(bob!, team.channelId, 'bob says', { clientMessageId: cid });
      assert.equal(replay.status, 200);
      assert.equal(replay.body.id, fromBob.body.id);
    });

    it('the same clientMessageId from different users racing in parallel gives each user one message', async () => {
      const [alice, bob] = team.members;
      const cid = randomUUID();
      const results = await Promise.all([alice, bob, alice, bob, alice, bob].map((p) => postMessage(p!, team.channelId, 'parallel', { clientMessageId: cid })));
      for (const r of results) assert.ok(r.status === 201 || r.status === 200, r.text);
      const byAuthor = new Map<string, Set<string>>();
      for (const r of results) byAuthor.set(r.body.authorId, (byAuthor.get(r.body.authorId) ?? new Set()).add(r.body.id));
      assert.equal(byAuthor.size, 2);
      for (const ids of byAuthor.values()) assert.equal(ids.size, 1);
      assert.equal((await fullHistory(alice!, team.channelId)).filter((m) => m.clientMessageId === cid).length, 2);
    });

    it('reusing a clientMessageId in another channel is 409 CONFLICT and creates nothing there', async () => {
      const [alice] = team.members;
      const otherChannel = await createChannel(alice!, team.workspaceId, `other-${randomUUID().slice(0, 8)}`);
      const cid = randomUUID();
      await send(alice!, team.channelId, 'first home', { clientMessageId: cid });
      const lastSeqBefore = (await allEvents(alice!, otherChannel)).at(-1)!.seq;
      assertError(await postMessage(alice!, otherChannel, 'second home', { clientMessageId: cid }), 409, 'CONFLICT');
      assert.equal((await fullHistory(alice!, otherChannel)).length, 0);
      assert.equal((await allEvents(alice!, otherChannel)).at(-1)!.seq, lastSeqBefore);
    });

    it('rejects a malformed clientMessageId', async () => {
      const [alice] = team.members;
      assertError(await postMessage(alice!, team.channelId, 'x', { clientMessageId: 'has spaces in it' }), 400, 'VALIDATION_FAILED');
      assertError(await postMessage(alice!, team.channelId, 'x', { clientMessageId: 'x'.repeat(65) }), 400, 'VALIDATION_FAILED');
      assertError(await postMessage(alice!, team.channelId, 'x', { clientMessageId: '' }), 400, 'VALIDATION_FAILED');
    });
  });
}
