import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, StoredChannelEvent } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertGapFree, createChannel, edit, joinChannel, getMessage, react, send, setUpTeam, type Team } from './fixtures.js';

const ROUNDS = 15;

/** Which message a feed event changes (a reply's creation changes its root's thread). */
function touched(event: StoredChannelEvent['event']): string | undefined {
  if (event.type === 'message.created') return event.message.threadRootId ?? undefined;
  if (event.type === 'message.edited') return event.message.id;
  if ('messageId' in event && event.type !== 'message.deleted' && event.type !== 'thread.updated') return event.messageId;
  return undefined;
}

/** The feed never numbers an edit, reaction, pin or new reply of a message after that message's deletion. */
async function assertNothingAfterDeletion(team: Team, channelId: string): Promise<void> {
  const events = await allEvents(team.owner, channelId);
  assertGapFree(events);
  const deletedAt = new Map<string, number>();
  for (const e of events) {
    if (e.event.type === 'message.deleted') deletedAt.set(e.event.messageId, e.seq);
    const target = touched(e.event);
    if (target !== undefined && deletedAt.has(target)) {
      assert.fail(`seq ${e.seq} ${e.event.type} changes message ${target}, deleted at seq ${deletedAt.get(target)}`);
    }
  }
}

for (const database of DATABASES) {
  describe(`deletion racing other changes leaves a clean tombstone (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let channels = 0;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    /** In a fresh channel, sends ROUNDS messages, then fires `race(message)` together with each one's deletion. */
    async function raceWithDelete(race: (m: Message, channelId: string) => Promise<unknown>) {
      const [alice, bob] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, `race-${(channels += 1)}`);
      await joinChannel(bob!, channelId);
      const messages: Message[] = [];
      for (let i = 0; i < ROUNDS; i += 1) messages.push(await send(alice!, channelId, `racing ${i}`));
      await Promise.all(messages.map((m) => Promise.all([race(m, channelId), alice!.client.delete(`/api/v1/messages/${m.id}`)])));
      return { channelId, results: await Promise.all(messages.map((m) => getMessage(team.owner, m.id))) };
    }

    it('an edit racing the delete never brings the text back', async () => {
      const [alice] = team.members;
      const { channelId, results } = await raceWithDelete((m) => edit(alice!, m.id, `${m.body} (edited)`));
      for (const m of results) {
        assert.equal(m.deleted, true);
        assert.equal(m.body, '', `tombstone ${m.id} has no body`);
        const edits = await alice!.client.get(`/api/v1/messages/${m.id}/edits`);
        assert.deepEqual(edits.body.edits, []);
      }
      await assertNothingAfterDeletion(team, channelId);
    });

    it('a reaction racing the delete never lands on the tombstone', async () => {
      const [, bob] = team.members;
      const { channelId, results } = await raceWithDelete((m) => react(bob!, m.id, '🏁'));
      for (const m of results) {
        assert.equal(m.deleted, true);
        assert.deepEqual(m.reactions, [], `tombstone ${m.id} has no reactions`);
      }
      await assertNothingAfterDeletion(team, channelId);
    });

    it('a pin racing the delete never pins the tombstone', async () => {
      const [, bob] = team.members;
      const { channelId, results } = await raceWithDelete((m) => bob!.client.request('PUT', `/api/v1/messages/${m.id}/pin`));
      for (const m of results) assert.equal(m.pinned, false, `tombstone ${m.id} is not pinned`);
      const pins = await bob!.client.get(`/api/v1/channels/${channelId}/pins`);
      assert.ok(pins.body.messages.every((p: Message) => !p.deleted), 'no tombstone among the pins');
      await assertNothingAfterDeletion(team, channelId);
    });

    it('a reply racing the deletion of its root is never accepted after the deletion', async () => {
      const [, bob] = team.members;
      const { channelId } = await raceWithDelete((m, c) => bob!.client.post(`/api/v1/channels/${c}/messages`, { body: 'late reply', threadRootId: m.id }));
      await assertNothingAfterDeletion(team, channelId);
    });

    it('parallel deletes of one message: exactly one succeeds and one message.deleted event is numbered', async () => {
      const [alice] = team.members;
      const channelId = await createChannel(alice!, team.workspaceId, `race-${(channels += 1)}`);
      const messages: Message[] = [];
      for (let i = 0; i < ROUNDS; i += 1) messages.push(await send(alice!, channelId, `delete race ${i}`));
      const deleters = [alice!, team.owner];
      const statuses = await Promise.all(
        messages.map((m) => Promise.all([0, 1, 2, 3].map(async (i) => (await deleters[i % 2]!.client.delete(`/api/v1/messages/${m.id}`)).status))),
      );
      const events = await allEvents(alice!, channelId);
      assertGapFree(events);
      for (const [i, m] of messages.entries()) {
        assert.deepEqual([...statuses[i]!].sort(), [204, 404, 404, 404], `one delete of ${m.id} wins`);
        assert.equal(events.filter((e) => e.event.type === 'message.deleted' && e.event.messageId === m.id).length, 1, `one deletion event for ${m.id}`);
      }
    });
  });
}
