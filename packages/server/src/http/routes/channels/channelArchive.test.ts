import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertError, assertStatus, channelEvents, createChannel, createTeam, makeAdmin, openConversation, sendMessage, type Person } from '../workspaces/fixtures.js';

const archive = (p: Person, id: string) => p.client.post(`/api/v1/channels/${id}/archive`);
const unarchive = (p: Person, id: string) => p.client.post(`/api/v1/channels/${id}/unarchive`);

for (const database of DATABASES) {
  describe(`channel archive and unarchive (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('an archived channel is read-only: sending is 403 CHANNEL_ARCHIVED, history and events stay readable', async () => {
      const { workspaceId, members } = await createTeam(server, 2);
      const [creator, member] = members;
      const channel = await createChannel(creator!, workspaceId, { name: 'old-project', memberIds: [member!.id] });
      assertStatus(await sendMessage(member!, channel.id, 'last words'), 201);

      const archived = await archive(creator!, channel.id);
      assertStatus(archived, 200);
      assert.equal(archived.body.archived, true);
      assert.equal(archived.body.lastSeq, 4);

      assertError(await sendMessage(member!, channel.id, 'anyone?'), 403, 'CHANNEL_ARCHIVED');
      assertError(await sendMessage(creator!, channel.id, 'anyone?'), 403, 'CHANNEL_ARCHIVED');
      const history = await member!.client.get(`/api/v1/channels/${channel.id}/messages`);
      assertStatus(history, 200);
      assert.deepEqual(history.body.messages.map((m: any) => m.body), ['last words']);
      const events = await channelEvents(member!, channel.id);
      assert.equal(events.at(-1)!.event.type, 'channel.updated');
      assert.equal(events.at(-1)!.event.channel!.archived, true);
      assert.equal((await member!.client.get(`/api/v1/channels/${channel.id}`)).body.archived, true);
      const listedArchived = (await member!.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels.find((c: any) => c.id === channel.id);
      assert.equal(listedArchived.archived, true);
    });

    it('an archived channel cannot be renamed or joined; unarchiving restores posting', async () => {
      const { workspaceId, members } = await createTeam(server, 2);
      const [creator, latecomer] = members;
      const channel = await createChannel(creator!, workspaceId, { name: 'frozen' });
      assertStatus(await archive(creator!, channel.id), 200);
      assertError(await creator!.client.request('PATCH', `/api/v1/channels/${channel.id}`, { body: { topic: 'x' } }), 403, 'CHANNEL_ARCHIVED');
      assertError(await latecomer!.client.post(`/api/v1/channels/${channel.id}/join`), 403, 'CHANNEL_ARCHIVED');

      const back = await unarchive(creator!, channel.id);
      assertStatus(back, 200);
      assert.equal(back.body.archived, false);
      assertStatus(await sendMessage(creator!, channel.id, 'we are back'), 201);
      assertStatus(await latecomer!.client.post(`/api/v1/channels/${channel.id}/join`), 200);
      const types = (await channelEvents(creator!, channel.id)).map((e) => e.event.type);
      assert.deepEqual(types, ['member.joined', 'channel.updated', 'channel.updated', 'message.created', 'member.joined']);
    });

    it('only the creator or a workspace admin archives or unarchives (others 403)', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 3);
      const [creator, admin, member] = members;
      await makeAdmin(owner, workspaceId, admin!);
      const channel = await createChannel(creator!, workspaceId, { name: 'guarded', memberIds: [member!.id] });

      assertError(await archive(member!, channel.id), 403, 'FORBIDDEN');
      assert.equal((await member!.client.get(`/api/v1/channels/${channel.id}`)).body.archived, false);
      assertStatus(await archive(admin!, channel.id), 200);
      assertError(await unarchive(member!, channel.id), 403, 'FORBIDDEN');
      assertStatus(await unarchive(owner, channel.id), 200);
      assertStatus(await archive(creator!, channel.id), 200);
      assert.equal((await member!.client.get(`/api/v1/channels/${channel.id}`)).body.archived, true);
    });

    it('archiving twice changes nothing the second time (no extra event)', async () => {
      const { workspaceId, owner } = await createTeam(server, 0);
      const channel = await createChannel(owner, workspaceId, { name: 'twice' });
      assertStatus(await archive(owner, channel.id), 200);
      const again = await archive(owner, channel.id);
      assertStatus(again, 200);
      assert.equal(again.body.archived, true);
      assert.equal(again.body.lastSeq, 2);
      assert.equal((await channelEvents(owner, channel.id)).length, 2);
    });

    it('DMs cannot be archived (403) and stay writable', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 1);
      const dm = (await openConversation(owner, workspaceId, [members[0]!])).body.id;
      assertError(await archive(owner, dm), 403, 'FORBIDDEN');
      assertStatus(await sendMessage(members[0]!, dm, 'still open'), 201);
    });

    it('a private channel cannot be archived by someone who cannot see it (404)', async () => {
      const { workspaceId, members } = await createTeam(server, 2);
      const [creator, outsider] = members;
      const secret = await createChannel(creator!, workspaceId, { name: 'hidden', kind: 'private' });
      assertError(await archive(outsider!, secret.id), 404, 'NOT_FOUND');
      assert.equal((await creator!.client.get(`/api/v1/channels/${secret.id}`)).body.archived, false);
    });
  });
}
