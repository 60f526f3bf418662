import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../clock.js';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { allEvents, assertError, createChannel, edit, getMessage, send, setUpTeam, type Person, type Team } from './fixtures.js';

const MINUTE = 60_000;

/** The access token lives 15 minutes on the same clock: moving past it needs a refresh, like a real client. */
async function refresh(...people: Person[]): Promise<void> {
  for (const p of people) {
    const res = await p.client.post('/api/v1/auth/refresh');
    assert.equal(res.status, 200, res.text);
  }
}

const editsOf = async (person: Person, messageId: string) => {
  const res = await person.client.get(`/api/v1/messages/${messageId}/edits`);
  assert.equal(res.status, 200, res.text);
  return res.body.edits as { body: string; editedAt: string }[];
};

for (const database of DATABASES) {
  describe(`PATCH /api/v1/messages/:id — editing (${database})`, () => {
    let server: TestServer;
    let team: Team;
    const clock = new ManualClock(Date.parse('2030-01-01T09:00:00.000Z'));

    before(async () => {
      server = await startTestServer({ database, clock });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    it('the author edits within the window: new body, editedAt set, message.edited event', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'first draft');
      clock.advance(MINUTE);
      const res = await edit(alice!, message.id, '  second draft e\u0301 ');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.id, message.id);
      assert.equal(res.body.seq, message.seq, 'an edit keeps the message in its place');
      assert.equal(res.body.body, 'second draft é');
      assert.equal(res.body.editedAt, new Date(clock.now()).toISOString());
      assert.equal(res.body.createdAt, message.createdAt);
      assert.deepEqual(await getMessage(team.owner, message.id), res.body);
      const last = (await allEvents(alice!, team.channelId)).at(-1)!;
      assert.equal(last.event.type, 'message.edited');
      assert.deepEqual((last.event as { message: unknown }).message, res.body);
    });

    it('allows an edit at 14:59 and refuses one at 15:01 with 403 EDIT_WINDOW_CLOSED', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, 'time sensitive');
      clock.advance(14 * MINUTE + 59_000);
      await refresh(alice!, bob!, team.owner);
      assert.equal((await edit(alice!, message.id, 'edited at 14:59')).status, 200);
      clock.advance(2 * MINUTE);
      assertError(await edit(alice!, message.id, 'edited at 15:01'), 403, 'EDIT_WINDOW_CLOSED');
      assert.equal((await getMessage(alice!, message.id)).body, 'edited at 14:59');
    });

    it('lists the previous bodies in order, oldest first, with their edit times', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'v1');
      const times: string[] = [];
      for (const body of ['v2', 'v3', 'v4']) {
        clock.advance(10_000);
        times.push(new Date(clock.now()).toISOString());
        assert.equal((await edit(alice!, message.id, body)).status, 200);
      }
      const edits = await editsOf(team.owner, message.id);
      assert.deepEqual(edits, [
        { body: 'v1', editedAt: times[0] },
        { body: 'v2', editedAt: times[1] },
        { body: 'v3', editedAt: times[2] },
      ]);
    });

    it('keeps edit order even when edits share one timestamp', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'r0');
      for (let i = 1; i <= 8; i += 1) assert.equal((await edit(alice!, message.id, `r${i}`)).status, 200);
      assert.deepEqual((await editsOf(alice!, message.id)).map((e) => e.body), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    });

    it('an edit to the same text changes nothing: no edit entry, no event, editedAt stays null', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'unchanged');
      const lastSeq = (await allEvents(alice!, team.channelId)).at(-1)!.seq;
      const res = await edit(alice!, message.id, '  unchanged  ');
      assert.equal(res.status, 200);
      assert.equal(res.body.editedAt, null);
      assert.deepEqual(await editsOf(alice!, message.id), []);
      assert.equal((await allEvents(alice!, team.channelId)).at(-1)!.seq, lastSeq);
    });

    it('only the author may edit: another member and even the workspace owner get 403', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, 'mine to edit');
      assertError(await edit(bob!, message.id, 'hijacked'), 403, 'FORBIDDEN');
      assertError(await edit(team.owner, message.id, 'admin rewrite'), 403, 'FORBIDDEN');
      assert.equal((await getMessage(bob!, message.id)).body, 'mine to edit');
      assert.deepEqual(await editsOf(alice!, message.id), []);
    });

    it('applies the body rules to edits', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'valid');
      for (const body of ['', '   \n ', 'bell\u0007', 'nul\u0000', 'esc\u001b', 'del\u007f', 'nel\u0085', 'x'.repeat(10_001), '🙂'.repeat(10_001)]) {
        assertError(await edit(alice!, message.id, body), 400, 'VALIDATION_FAILED', 'body');
      }
      assert.equal((await edit(alice!, message.id, '🙂'.repeat(10_000))).status, 200);
      assertError(await alice!.client.request('PATCH', `/api/v1/messages/${message.id}`, { body: { body: 'x', extra: true } }), 400, 'VALIDATION_FAILED');
      assert.deepEqual((await editsOf(alice!, message.id)).map((e) => e.body), ['valid']);
    });

    it('re-resolves mentions on edit', async () => {
      const [alice, bob] = team.members;
      const message = await send(alice!, team.channelId, `hey @${bob!.user.username}`);
      assert.deepEqual(message.mentions, { userIds: [bob!.user.id], channel: false });
      const res = await edit(alice!, message.id, 'hey @here, never mind');
      assert.deepEqual(res.body.mentions, { userIds: [], channel: true });
    });

    it('an edit of an unknown message is 404; of a message in a private channel one cannot see, 404', async () => {
      const [alice, bob] = team.members;
      assertError(await edit(alice!, 'no-such-message', 'x'), 404, 'NOT_FOUND');
      const secret = await createChannel(bob!, team.workspaceId, 'edit-secret', { kind: 'private' });
      const hidden = await send(bob!, secret, 'hidden');
      assertError(await edit(alice!, hidden.id, 'x'), 404, 'NOT_FOUND');
      assertError(await alice!.client.get(`/api/v1/messages/${hidden.id}/edits`), 404, 'NOT_FOUND');
    });
  });

  describe(`MESSAGE_EDIT_WINDOW_SECONDS configures the window (${database})`, () => {
    let server: TestServer;
    const clock = new ManualClock(Date.parse('2030-06-01T12:00:00.000Z'));

    before(async () => {
      server = await startTestServer({ database, clock, env: { MESSAGE_EDIT_WINDOW_SECONDS: '60' } });
    });
    after(() => server.close());

    it('with a 60 s window an edit at 59 s works and one at 61 s is refused', async () => {
      const team = await setUpTeam(server, 1);
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'quick');
      clock.advance(59_000);
      assert.equal((await edit(alice!, message.id, 'quick fix')).status, 200);
      clock.advance(2_000);
      assertError(await edit(alice!, message.id, 'too late'), 403, 'EDIT_WINDOW_CLOSED');
      assert.equal((await alice!.client.delete(`/api/v1/messages/${message.id}`)).status, 204, 'deleting has no window');
    });
  });
}
