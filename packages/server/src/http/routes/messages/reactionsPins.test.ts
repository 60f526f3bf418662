import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../clock.js';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertError, enc, getMessage, newWorkspaceMember, react, send, setUpTeam, signUp, type Person, type Team } from './fixtures.js';

const pin = (person: Person, messageId: string, pinned = true) => person.client.request(pinned ? 'PUT' : 'DELETE', `/api/v1/messages/${messageId}/pin`);
const lastSeq = async (team: Team) => (await allEvents(team.owner, team.channelId)).at(-1)!.seq;

for (const database of DATABASES) {
  describe(`reactions and pins (${database})`, () => {
    let server: TestServer;
    let team: Team;
    const clock = new ManualClock();

    before(async () => {
      server = await startTestServer({ database, clock });
      team = await setUpTeam(server, 3);
    });
    after(() => server.close());

    it('one reaction per user and emoji: PUT twice keeps count 1 and numbers one event', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, 'react to me');
      const before = await lastSeq(team);
      assert.equal((await react(bob!, message.id, '👍')).status, 204);
      assert.equal((await react(bob!, message.id, '👍')).status, 204);
      const fetched = await getMessage(alice!, message.id);
      assert.deepEqual(fetched.reactions, [{ emoji: '👍', count: 1, userIds: [bob!.user.id] }]);
      const events = await allEvents(alice!, team.channelId, before);
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.event, { type: 'reaction.added', messageId: message.id, emoji: '👍', userId: bob!.user.id });
      assert.equal(events[0]!.actorId, bob!.user.id);
    });

    it('counts and userIds per emoji across users, including multi-code-point emoji', async () => {
      const [alice, bob, carol] = team.members;
      const message = await send(alice!, team.channelId, 'popular');
      const thumbTone = '👍🏽';
      const family = '👨‍👩‍👧';
      for (const [person, emoji] of [[bob, '🎉'], [carol, '🎉'], [alice, '🎉'], [carol, thumbTone], [bob, family], [bob, 'party_parrot']] as const) {
        assert.equal((await react(person!, message.id, emoji)).status, 204);
      }
      const byEmoji = new Map((await getMessage(team.owner, message.id)).reactions.map((r) => [r.emoji, r]));
      assert.equal(byEmoji.size, 4);
      assert.equal(byEmoji.get('🎉')!.count, 3);
      assert.deepEqual(new Set(byEmoji.get('🎉')!.userIds), new Set([alice!.user.id, bob!.user.id, carol!.user.id]));
      assert.deepEqual(byEmoji.get(thumbTone), { emoji: thumbTone, count: 1, userIds: [carol!.user.id] });
      assert.deepEqual(byEmoji.get(family), { emoji: family, count: 1, userIds: [bob!.user.id] });
      assert.equal(byEmoji.get('party_parrot')!.count, 1);
      const inHistory = (await team.owner.client.get(`/api/v1/channels/${team.channelId}/messages?limit=5`)).body.messages.find((m: { id: string }) => m.id === message.id);
      assert.equal(inHistory.reactions.length, 4);
    });

    it('DELETE removes the caller\u2019s reaction only; removing an absent one is 204 with no event', async () => {
      const [alice, bob, carol] = team.members;
      const message = await send(alice!, team.channelId, 'fickle');
      await react(bob!, message.id, '❤️');
      await react(carol!, message.id, '❤️');
      const before = await lastSeq(team);
      assert.equal((await react(bob!, message.id, '❤️', false)).status, 204);
      assert.deepEqual((await getMessage(alice!, message.id)).reactions, [{ emoji: '❤️', count: 1, userIds: [carol!.user.id] }]);
      assert.equal((await react(bob!, message.id, '❤️', false)).status, 204);
      assert.equal((await react(alice!, message.id, '🙈', false)).status, 204);
      const events = await allEvents(alice!, team.channelId, before);
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.event, { type: 'reaction.removed', messageId: message.id, emoji: '❤️', userId: bob!.user.id });
      assert.equal((await react(carol!, message.id, '❤️', false)).status, 204);
      assert.deepEqual((await getMessage(alice!, message.id)).reactions, []);
    });

    it('NFC-normalises the emoji key so composed and decomposed forms are one reaction', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, 'accents');
      await react(alice!, message.id, 'caf\u00e9');
      await react(bob!, message.id, 'cafe\u0301');
      assert.deepEqual((await getMessage(alice!, message.id)).reactions.map((r) => [r.emoji, r.count]), [['caf\u00e9', 2]]);
    });

    it('rejects emoji with spaces or control characters and overlong ones (400)', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'picky');
      for (const emoji of ['a b', 'tab\there', 'x'.repeat(65)]) {
        assertError(await alice!.client.request('PUT', `/api/v1/messages/${message.id}/reactions/${enc(emoji)}`), 400, 'VALIDATION_FAILED');
      }
      assert.deepEqual((await getMessage(alice!, message.id)).reactions, []);
    });

    it('reacting and pinning need channel membership (403); outsiders get 404', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'members only');
      const lurker = await newWorkspaceMember(server, team);
      assertError(await react(lurker, message.id, '👍'), 403, 'NOT_A_MEMBER');
      assertError(await pin(lurker, message.id), 403, 'NOT_A_MEMBER');
      const stranger = await signUp(server);
      assertError(await react(stranger, message.id, '👍'), 404, 'NOT_FOUND');
      assertError(await pin(stranger, message.id), 404, 'NOT_FOUND');
      assertError(await stranger.client.get(`/api/v1/channels/${team.channelId}/pins`), 404, 'NOT_FOUND');
      assertError(await react(alice!, 'no-such-message', '👍'), 404, 'NOT_FOUND');
      assert.deepEqual((await getMessage(alice!, message.id)).reactions, []);
    });

    it('pins: PUT pins once (one event), GET pins lists newest pin first, DELETE unpins; unpinning twice is silent', async () => {
      const [alice, bob] = team.members;
      const first = await send(alice!, team.channelId, 'pin me first');
      const second = await send(bob!, team.channelId, 'pin me second');
      const before = await lastSeq(team);
      assert.equal((await pin(bob!, first.id)).status, 204);
      assert.equal((await pin(bob!, first.id)).status, 204);
      clock.advance(1_000);
      assert.equal((await pin(alice!, second.id)).status, 204);
      assert.equal((await getMessage(alice!, first.id)).pinned, true);

      const pins = await team.owner.client.get(`/api/v1/channels/${team.channelId}/pins`);
      assert.equal(pins.status, 200, pins.text);
      const pinnedIds = pins.body.messages.map((m: { id: string }) => m.id);
      assert.deepEqual(pinnedIds.slice(0, 2), [second.id, first.id], 'the newest pin first');
      assert.ok(pins.body.messages.every((m: { pinned: boolean }) => m.pinned));

      assert.equal((await pin(alice!, first.id, false)).status, 204);
      assert.equal((await pin(alice!, first.id, false)).status, 204);
      assert.equal((await getMessage(alice!, first.id)).pinned, false);
      const after = await team.owner.client.get(`/api/v1/channels/${team.channelId}/pins`);
      assert.ok(!after.body.messages.some((m: { id: string }) => m.id === first.id));

      const events = await allEvents(alice!, team.channelId, before);
      assert.deepEqual(
        events.map((e) => e.event),
        [
          { type: 'pin.added', messageId: first.id },
          { type: 'pin.added', messageId: second.id },
          { type: 'pin.removed', messageId: first.id },
        ],
      );
    });
  });
}
