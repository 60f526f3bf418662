import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import {
  assertError,
  assertStatus,
  channelEvents,
  createChannel,
  createTeam,
  eventSummary,
  makeAdmin,
  memberIdsOf,
  openConversation,
  sorted,
  type Person,
} from '../workspaces/fixtures.js';

const patch = (p: Person, channelId: string, body: unknown) => p.client.request('PATCH', `/api/v1/channels/${channelId}`, { body });

for (const database of DATABASES) {
  describe(`channels: create, read, update, sequence numbers (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('POST creates a public channel by default (201): slug from the name, creator is a member, member.joined is seq 1', async () => {
      const { workspaceId, owner } = await createTeam(server, 0);
      const res = await owner.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: '  Development Team  ', topic: ' Code talk ' });
      assertStatus(res, 201);
      assert.equal(res.body.workspaceId, workspaceId);
      assert.equal(res.body.kind, 'public');
      assert.equal(res.body.name, 'Development Team');
      assert.equal(res.body.slug, 'development-team');
      assert.equal(res.body.topic, 'Code talk');
      assert.equal(res.body.createdBy, owner.id);
      assert.equal(res.body.archived, false);
      assert.equal(res.body.isMember, true);
      assert.equal(res.body.lastSeq, 1);
      assert.equal(res.body.memberIds, undefined, 'only conversations list member ids');

      const read = await owner.client.get(`/api/v1/channels/${res.body.id}`);
      assertStatus(read, 200);
      assert.deepEqual(read.body, res.body);
      assert.deepEqual(await eventSummary(owner, res.body.id), [`member.joined:${owner.id}`]);
    });

    it('initial memberIds join in the same creation, each with a numbered member.joined', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [x, y] = members;
      const channel = await createChannel(x!, workspaceId, { name: 'squad', kind: 'private', memberIds: [owner.id, y!.id, x!.id] });
      assert.equal(channel.kind, 'private');
      assert.equal(channel.lastSeq, 3, 'the creator listed in memberIds joins once');
      assert.deepEqual(await memberIdsOf(y!, channel.id), sorted([owner.id, x!.id, y!.id]));
      assert.deepEqual(await eventSummary(owner, channel.id), [`member.joined:${x!.id}`, `member.joined:${owner.id}`, `member.joined:${y!.id}`]);
    });

    it('slugs are unique per workspace: "Dev Team", "dev-team" and "DEV_team!" collide (409 SLUG_TAKEN); other workspaces are free', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const first = await createChannel(owner, workspaceId, { name: 'Dev Team' });
      assert.equal(first.slug, 'dev-team');
      for (const name of ['dev-team', 'DEV_team!', '  dev   TEAM ']) {
        assertError(await members[0]!.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name }), 409, 'SLUG_TAKEN');
      }
      assertError(await owner.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: 'dev team', kind: 'private' }), 409, 'SLUG_TAKEN');
      const channels = (await owner.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels;
      assert.deepEqual(channels.map((c: any) => c.id), [first.id], 'no duplicate was created');

      const elsewhere = await createTeam(server, 0);
      assert.equal((await createChannel(elsewhere.owner, elsewhere.workspaceId, { name: 'Dev Team' })).slug, 'dev-team');
      assert.equal((await createChannel(owner, workspaceId, { name: 'Café Ünïcode' })).slug, 'cafe-unicode');
    });

    it('rejects bad channel input with 400 VALIDATION_FAILED and creates nothing', async () => {
      const { workspaceId, owner } = await createTeam(server, 0);
      const path = `/api/v1/workspaces/${workspaceId}/channels`;
      const bad: unknown[] = [
        {},
        { name: '' },
        { name: '    ' },
        { name: 'n'.repeat(81) },
        { name: 'ok', kind: 'dm' },
        { name: 'ok', topic: 't'.repeat(251) },
        { name: 'ok', memberIds: [owner.id, owner.id] },
        { name: 'ok', color: 'red' },
      ];
      for (const body of bad) assertError(await owner.client.post(path, body), 400, 'VALIDATION_FAILED');
      assert.deepEqual((await owner.client.get(path)).body.channels, []);
      assertStatus(await owner.client.post(path, { name: 'n'.repeat(80), topic: 't'.repeat(250) }), 201);
    });

    it('PATCH renames (new slug) and sets the topic, each a numbered channel.updated with the new state', async () => {
      const { workspaceId, owner } = await createTeam(server, 0);
      const channel = await createChannel(owner, workspaceId, { name: 'General' });
      const renamed = await patch(owner, channel.id, { name: 'Town Square' });
      assertStatus(renamed, 200);
      assert.equal(renamed.body.name, 'Town Square');
      assert.equal(renamed.body.slug, 'town-square');
      assert.equal(renamed.body.lastSeq, 2);
      const topic = await patch(owner, channel.id, { topic: '  All hands  ' });
      assertStatus(topic, 200);
      assert.equal(topic.body.topic, 'All hands');
      assert.equal(topic.body.name, 'Town Square');

      const events = await channelEvents(owner, channel.id);
      assert.deepEqual(events.map((e) => e.event.type), ['member.joined', 'channel.updated', 'channel.updated']);
      assert.equal(events[1]!.event.channel!.slug, 'town-square');
      assert.equal(events[1]!.event.channel!.lastSeq, 2);
      assert.equal(events[2]!.event.channel!.topic, 'All hands');
      assert.equal(events[2]!.actorId, owner.id);
      assert.equal((await owner.client.get(`/api/v1/channels/${channel.id}`)).body.topic, 'All hands');
    });

    it('PATCH: renaming onto a taken slug is 409 (name kept); bad bodies are 400; conversations cannot be renamed', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      await createChannel(owner, workspaceId, { name: 'dev-team' });
      const other = await createChannel(owner, workspaceId, { name: 'design' });
      assertError(await patch(owner, other.id, { name: 'Dev Team' }), 409, 'SLUG_TAKEN');
      for (const body of [{}, { name: ' ' }, { name: 'x'.repeat(81) }, { topic: 'x'.repeat(251) }, { kind: 'private' }]) {
        assertError(await patch(owner, other.id, body), 400, 'VALIDATION_FAILED');
      }
      const kept = (await owner.client.get(`/api/v1/channels/${other.id}`)).body;
      assert.equal(kept.name, 'design');
      assert.equal(kept.lastSeq, 1, 'failed updates are not numbered');
      const dm = (await openConversation(owner, workspaceId, [members[0]!])).body.id;
      assertError(await patch(owner, dm, { topic: 'ours' }), 403, 'FORBIDDEN');
    });

    it('PATCH to a name with the channel’s own slug (a case or spacing change) is allowed', async () => {
      const { workspaceId, owner } = await createTeam(server, 0);
      const channel = await createChannel(owner, workspaceId, { name: 'dev team' });
      const res = await patch(owner, channel.id, { name: 'Dev  Team' });
      assertStatus(res, 200);
      assert.equal(res.body.name, 'Dev  Team');
      assert.equal(res.body.slug, 'dev-team');
    });

    it('PATCH needs channel membership or a workspace admin: a non-member gets 403 NOT_A_MEMBER', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [admin, outsider] = members;
      await makeAdmin(owner, workspaceId, admin!);
      const channel = await createChannel(owner, workspaceId, { name: 'open' });
      assertError(await patch(outsider!, channel.id, { topic: 'mine now' }), 403, 'NOT_A_MEMBER');
      assertStatus(await patch(admin!, channel.id, { topic: 'set by an admin' }), 200);
      assert.equal((await outsider!.client.get(`/api/v1/channels/${channel.id}`)).body.topic, 'set by an admin');
    });

    it('joins, leaves and updates share one gapless sequence, readable from after=N too', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 2);
      const [x, y] = members;
      const channel = await createChannel(owner, workspaceId, { name: 'busy' });
      assertStatus(await x!.client.post(`/api/v1/channels/${channel.id}/join`), 200);
      assertStatus(await patch(x!, channel.id, { topic: 'busy busy' }), 200);
      assertStatus(await y!.client.post(`/api/v1/channels/${channel.id}/join`), 200);
      assertStatus(await x!.client.post(`/api/v1/channels/${channel.id}/leave`), 204);
      assertStatus(await y!.client.post(`/api/v1/channels/${channel.id}/messages`, { body: 'hi' }), 201);

      assert.deepEqual(await eventSummary(owner, channel.id), [
        `member.joined:${owner.id}`,
        `member.joined:${x!.id}`,
        'channel.updated',
        `member.joined:${y!.id}`,
        `member.left:${x!.id}`,
        'message.created',
      ]);
      const tail = await owner.client.get(`/api/v1/channels/${channel.id}/events?after=4`);
      assertStatus(tail, 200);
      assert.deepEqual(tail.body.events.map((e: any) => e.seq), [5, 6]);
      assert.equal(tail.body.lastSeq, 6);
      assert.equal((await owner.client.get(`/api/v1/channels/${channel.id}`)).body.lastSeq, 6);
    });
  });
}
