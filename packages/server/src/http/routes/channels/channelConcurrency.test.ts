import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertStatus, channelEvents, createChannel, createTeam, memberIdsOf, openConversation, sendMessage, sorted } from '../workspaces/fixtures.js';

for (const database of DATABASES) {
  describe(`channels under concurrent requests (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('parallel creations of colliding names: exactly one 201, the rest 409 SLUG_TAKEN', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 3);
      const names = ['Dev Team', 'dev-team', 'DEV team', 'dev_team'];
      const people = [owner, ...members];
      const results = await Promise.all(people.map((p, i) => p.client.post(`/api/v1/workspaces/${workspaceId}/channels`, { name: names[i] })));
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409], results.map((r) => r.text).join('\n'));
      for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'SLUG_TAKEN');
      const channels = (await owner.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels;
      assert.deepEqual(channels.map((c: any) => c.slug), ['dev-team']);
    });

    it('parallel joins, posts and topic changes keep one gapless sequence with each change once', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 6);
      const channel = await createChannel(owner, workspaceId, { name: 'stampede' });
      const results = await Promise.all([
        ...members.map((m) => m.client.post(`/api/v1/channels/${channel.id}/join`)),
        ...members.map((m) => m.client.post(`/api/v1/channels/${channel.id}/join`)),
        sendMessage(owner, channel.id, 'one'),
        sendMessage(owner, channel.id, 'two'),
        owner.client.request('PATCH', `/api/v1/channels/${channel.id}`, { body: { topic: 'busy' } }),
      ]);
      for (const r of results) assert.ok(r.status >= 200 && r.status < 300, r.text);

      const events = await channelEvents(owner, channel.id);
      const joins = events.filter((e) => e.event.type === 'member.joined').map((e) => e.event.userId!);
      assert.deepEqual(sorted(joins), sorted([owner.id, ...members.map((m) => m.id)]), 'each member joined exactly once');
      assert.equal(events.filter((e) => e.event.type === 'message.created').length, 2);
      assert.equal(events.filter((e) => e.event.type === 'channel.updated').length, 1);
      assert.equal(events.length, 1 + 6 + 2 + 1);
      assert.deepEqual(await memberIdsOf(owner, channel.id), sorted([owner.id, ...members.map((m) => m.id)]));
    });

    it('repeated DM races between the same two people always converge on one channel', async () => {
      const { workspaceId, members } = await createTeam(server, 6);
      for (let round = 0; round < 3; round++) {
        const [x, y] = [members[round * 2]!, members[round * 2 + 1]!];
        const results = await Promise.all([
          openConversation(x, workspaceId, [y]),
          openConversation(y, workspaceId, [x]),
          openConversation(x, workspaceId, [y]),
        ]);
        assert.equal(results.filter((r) => r.status === 201).length, 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
        assert.equal(results.filter((r) => r.status === 200).length, 2);
        assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      }
    });

    it('a group DM race (three members each opening it at once) yields one group_dm', async () => {
      const { workspaceId, members } = await createTeam(server, 3);
      const [a, b, c] = members;
      const results = await Promise.all([
        openConversation(a!, workspaceId, [b!, c!]),
        openConversation(b!, workspaceId, [c!, a!]),
        openConversation(c!, workspaceId, [a!, b!]),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 201], results.map((r) => r.text).join('\n'));
      assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
      const groups = (await a!.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels.filter((ch: any) => ch.kind === 'group_dm');
      assert.equal(groups.length, 1);
      assertStatus(await sendMessage(c!, groups[0].id, 'all here'), 201);
    });
  });
}
