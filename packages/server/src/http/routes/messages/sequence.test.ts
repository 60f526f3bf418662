import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import {
  allEvents,
  assertGapFree,
  createChannel,
  edit,
  enc,
  fullHistory,
  joinChannel,
  postMessage,
  react,
  send,
  setUpTeam,
  type Person,
  type Team,
} from './fixtures.js';

const createdMessages = (events: Awaited<ReturnType<typeof allEvents>>) =>
  events.filter((e) => e.event.type === 'message.created').map((e) => ({ seq: e.seq, message: (e.event as { message: Message }).message }));

for (const database of DATABASES) {
  describe(`per-channel sequence numbers (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let everyone: Person[];

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 4);
      everyone = [team.owner, ...team.members];
    });
    after(() => server.close());

    it('5 users × 20 messages sent in parallel get gap-free, unique sequence numbers', async () => {
      const channelId = await createChannel(team.owner, team.workspaceId, 'parallel-senders');
      await Promise.all(team.members.map((m) => joinChannel(m, channelId)));
      const sent = await Promise.all(
        everyone.flatMap((person, p) => Array.from({ length: 20 }, (_, i) => send(person, channelId, `user ${p} message ${i}`))),
      );
      assert.equal(sent.length, 100);
      assert.equal(new Set(sent.map((m) => m.seq)).size, 100, 'message seqs are unique');

      const page = await team.owner.client.get(`/api/v1/channels/${channelId}/events?after=0&limit=1000`);
      assert.equal(page.status, 200, page.text);
      const events = page.body.events;
      assertGapFree(events);
      assert.equal(page.body.lastSeq, events.at(-1).seq);
      assert.equal(events.length, 5 + 100, 'five member.joined events and one event per message');

      const created = createdMessages(events);
      assert.equal(created.length, 100);
      for (const c of created) assert.equal(c.message.seq, c.seq, 'the event seq is the message seq');
      assert.deepEqual(new Set(created.map((c) => c.message.id)), new Set(sent.map((m) => m.id)));

      const historySeqs = (await fullHistory(team.owner, channelId)).map((m) => m.seq);
      assert.deepEqual(historySeqs, [...sent.map((m) => m.seq)].sort((a, b) => b - a));
      const channel = await team.owner.client.get(`/api/v1/channels/${channelId}`);
      assert.equal(channel.body.lastSeq, events.at(-1).seq);
    });

    it('two channels written to concurrently keep independent sequences, each starting at 1', async () => {
      const a = await createChannel(team.owner, team.workspaceId, 'seq-a');
      const b = await createChannel(team.owner, team.workspaceId, 'seq-b');
      await Promise.all(team.members.flatMap((m) => [joinChannel(m, a), joinChannel(m, b)]));
      await Promise.all(everyone.flatMap((person) => Array.from({ length: 10 }, (_, i) => send(person, i % 2 === 0 ? a : b, `to ${i % 2 === 0 ? 'a' : 'b'} ${i}`))));
      for (const channelId of [a, b]) {
        const events = await allEvents(team.owner, channelId);
        assertGapFree(events);
        assert.equal(events.length, 5 + 25);
        assert.ok(events.every((e) => e.channelId === channelId));
      }
    });

    it('mixed concurrent changes (sends, replies, edits, reactions, pins, deletes) stay gap-free', async () => {
      const channelId = await createChannel(team.owner, team.workspaceId, 'mixed-changes');
      await Promise.all(team.members.map((m) => joinChannel(m, channelId)));
      const seeds = await Promise.all(everyone.map((p, i) => send(p, channelId, `seed ${i}`)));
      await Promise.all(
        everyone.flatMap((p, i) => [
          send(p, channelId, `reply ${i}`, { threadRootId: seeds[(i + 1) % seeds.length]!.id }),
          edit(p, seeds[i]!.id, `seed ${i} (edited)`),
          react(p, seeds[(i + 2) % seeds.length]!.id, '👍'),
          p.client.request('PUT', `/api/v1/messages/${seeds[i]!.id}/pin`),
          send(p, channelId, `plain ${i}`),
        ]),
      );
      await Promise.all(everyone.map((p, i) => p.client.delete(`/api/v1/messages/${seeds[i]!.id}`)));
      const events = await allEvents(team.owner, channelId);
      assertGapFree(events);
      const types = events.map((e) => e.event.type);
      for (const type of ['message.created', 'message.edited', 'message.deleted', 'thread.updated', 'reaction.added', 'pin.added', 'member.joined']) {
        assert.ok(types.includes(type as never), `feed has ${type}`);
      }
    });

    it('every kind of durable change takes the next number; no-op requests take none', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'every-change');
      await joinChannel(bob!, channelId);
      await joinChannel(bob!, channelId); // already a member: no change
      const root = await send(alice!, channelId, 'root');
      assert.equal((await edit(alice!, root.id, 'root v2')).status, 200);
      assert.equal((await edit(alice!, root.id, 'root v2')).status, 200); // same text: no change
      const reply = await send(bob!, channelId, 'a reply', { threadRootId: root.id });
      assert.equal((await react(bob!, root.id, '🎉')).status, 204);
      assert.equal((await react(bob!, root.id, '🎉')).status, 204); // already there
      assert.equal((await react(bob!, root.id, '🎉', false)).status, 204);
      assert.equal((await react(bob!, root.id, '🎉', false)).status, 204); // already gone
      assert.equal((await alice!.client.request('PUT', `/api/v1/messages/${root.id}/pin`)).status, 204);
      assert.equal((await alice!.client.request('PUT', `/api/v1/messages/${root.id}/pin`)).status, 204);
      assert.equal((await alice!.client.request('DELETE', `/api/v1/messages/${root.id}/pin`)).status, 204);
      assert.equal((await alice!.client.request('PATCH', `/api/v1/channels/${channelId}`, { body: { topic: 'numbers' } })).status, 200);
      assert.equal((await bob!.client.delete(`/api/v1/messages/${reply.id}`)).status, 204);
      assert.equal((await bob!.client.post(`/api/v1/channels/${channelId}/leave`)).status, 204);

      const events = await allEvents(alice!, channelId);
      assertGapFree(events);
      assert.deepEqual(
        events.map((e) => e.event.type),
        [
          'member.joined',
          'member.joined',
          'message.created',
          'message.edited',
          'message.created',
          'thread.updated',
          'reaction.added',
          'reaction.removed',
          'pin.added',
          'pin.removed',
          'channel.updated',
          'message.deleted',
          'thread.updated',
          'member.left',
        ],
      );
      assert.equal(events[2]!.seq, root.seq);
      assert.equal(events[4]!.seq, reply.seq);
      const channel = await alice!.client.get(`/api/v1/channels/${channelId}`);
      assert.equal(channel.body.lastSeq, events.length);
      assert.equal((await alice!.client.get(`/api/v1/channels/${channelId}/events?after=0`)).body.lastSeq, events.length);
    });

    it('refused changes take no number', async () => {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, 'refusals');
      await joinChannel(bob!, channelId);
      const message = await send(alice!, channelId, 'mine');
      const lastBefore = (await allEvents(alice!, channelId)).at(-1)!.seq;
      assert.equal((await postMessage(alice!, channelId, '\u0000')).status, 400);
      assert.equal((await edit(bob!, message.id, 'not yours')).status, 403);
      assert.equal((await bob!.client.delete(`/api/v1/messages/${message.id}`)).status, 403);
      assert.equal((await postMessage(alice!, channelId, 'bad thread', { threadRootId: 'nope' })).status, 404);
      assert.equal((await bob!.client.request('PUT', `/api/v1/messages/${message.id}/reactions/${enc('a b')}`)).status, 400);
      const after = await allEvents(alice!, channelId);
      assert.equal(after.at(-1)!.seq, lastBefore);
      assert.equal((await send(alice!, channelId, 'next')).seq, lastBefore + 1);
    });
  });
}
