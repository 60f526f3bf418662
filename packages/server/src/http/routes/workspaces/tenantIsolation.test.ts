import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import type { TestResponse } from '../../../testing/httpClient.js';
import { assertError, assertStatus, createChannel, createInvite, createTeam, openConversation, randomId, sendMessage, type Team } from './fixtures.js';

interface Probe {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: unknown;
}

/** Every workspace, channel and message route, aimed at the given ids. */
function probes(ids: { workspaceId: string; channelId: string; messageId: string; userId: string; inviteId: string }): Probe[] {
  const ws = `/api/v1/workspaces/${ids.workspaceId}`;
  const ch = `/api/v1/channels/${ids.channelId}`;
  const msg = `/api/v1/messages/${ids.messageId}`;
  return [
    { method: 'GET', path: ws },
    { method: 'PATCH', path: ws, body: { name: 'Taken over' } },
    { method: 'GET', path: `${ws}/members` },
    { method: 'PATCH', path: `${ws}/members/${ids.userId}`, body: { role: 'admin' } },
    { method: 'DELETE', path: `${ws}/members/${ids.userId}` },
    { method: 'GET', path: `${ws}/invites` },
    { method: 'POST', path: `${ws}/invites`, body: {} },
    { method: 'DELETE', path: `${ws}/invites/${ids.inviteId}` },
    { method: 'GET', path: `${ws}/channels` },
    { method: 'POST', path: `${ws}/channels`, body: { name: 'intruders' } },
    { method: 'POST', path: `${ws}/conversations`, body: { userIds: [ids.userId] } },
    { method: 'GET', path: ch },
    { method: 'PATCH', path: ch, body: { topic: 'owned' } },
    { method: 'POST', path: `${ch}/archive` },
    { method: 'POST', path: `${ch}/unarchive` },
    { method: 'POST', path: `${ch}/join` },
    { method: 'POST', path: `${ch}/leave` },
    { method: 'GET', path: `${ch}/members` },
    { method: 'POST', path: `${ch}/members`, body: { userId: ids.userId } },
    { method: 'DELETE', path: `${ch}/members/${ids.userId}` },
    { method: 'GET', path: `${ch}/messages` },
    { method: 'POST', path: `${ch}/messages`, body: { body: 'hi from elsewhere' } },
    { method: 'GET', path: `${ch}/events?after=0` },
    { method: 'GET', path: `${ch}/pins` },
    { method: 'POST', path: `${ch}/read`, body: { seq: 1 } },
    { method: 'GET', path: msg },
    { method: 'GET', path: `${msg}/replies` },
    { method: 'GET', path: `${msg}/edits` },
    { method: 'GET', path: `${msg}/receipts` },
    { method: 'PUT', path: `${msg}/reactions/ok` },
    { method: 'PUT', path: `${msg}/pin` },
    { method: 'PATCH', path: msg, body: { body: 'edited from elsewhere' } },
    { method: 'DELETE', path: msg },
  ];
}

for (const database of DATABASES) {
  describe(`tenant isolation between workspaces (${database})`, () => {
    let server: TestServer;
    let a: Team;
    let b: Team;
    let realIds: Parameters<typeof probes>[0];

    before(async () => {
      server = await startTestServer({ database });
      a = await createTeam(server, 1, 'Tenant A');
      b = await createTeam(server, 1, 'Tenant B');
      const channel = await createChannel(b.owner, b.workspaceId, { name: 'b-public' });
      const sent = await sendMessage(b.owner, channel.id, 'B only');
      assertStatus(sent, 201);
      const invite = await createInvite(b.owner, b.workspaceId);
      realIds = { workspaceId: b.workspaceId, channelId: channel.id, messageId: sent.body.id, userId: b.members[0]!.id, inviteId: invite.id };
    });
    after(() => server.close());

    const expectAll404 = async (results: [Probe, TestResponse][]) => {
      for (const [probe, res] of results) {
        assert.equal(res.status, 404, `${probe.method} ${probe.path} → ${res.status} ${res.text}`);
        assert.ok(['NOT_FOUND'].includes(res.body?.error?.code), `${probe.method} ${probe.path}: ${res.text}`);
        assert.ok(res.body.error.requestId);
      }
    };

    it('the owner of A gets 404 (never 403) for every route aimed at B’s real ids', async () => {
      const results: [Probe, TestResponse][] = [];
      for (const p of probes(realIds)) results.push([p, await a.owner.client.request(p.method, p.path, { body: p.body })]);
      await expectAll404(results);
    });

    it('a plain member of A gets the same 404s', async () => {
      const results: [Probe, TestResponse][] = [];
      for (const p of probes(realIds)) results.push([p, await a.members[0]!.client.request(p.method, p.path, { body: p.body })]);
      await expectAll404(results);
    });

    it('random ids answer the same 404 as B’s real ones', async () => {
      const results: [Probe, TestResponse][] = [];
      const ids = { workspaceId: randomId(), channelId: randomId(), messageId: randomId(), userId: randomId(), inviteId: randomId() };
      for (const p of probes(ids)) results.push([p, await a.owner.client.request(p.method, p.path, { body: p.body })]);
      await expectAll404(results);
    });

    it('nothing of B changed after all those attempts', async () => {
      const ws = await b.owner.client.get(`/api/v1/workspaces/${b.workspaceId}`);
      assert.equal(ws.body.name, 'Tenant B');
      const members = (await b.owner.client.get(`/api/v1/workspaces/${b.workspaceId}/members`)).body.members;
      assert.deepEqual(Object.fromEntries(members.map((m: any) => [m.userId, m.role])), { [b.owner.id]: 'owner', [b.members[0]!.id]: 'member' });
      const channels = (await b.owner.client.get(`/api/v1/workspaces/${b.workspaceId}/channels`)).body.channels;
      assert.deepEqual(channels.map((c: any) => c.slug), ['b-public']);
      const channel = (await b.owner.client.get(`/api/v1/channels/${realIds.channelId}`)).body;
      assert.equal(channel.topic, '');
      assert.equal(channel.archived, false);
      const history = (await b.owner.client.get(`/api/v1/channels/${realIds.channelId}/messages`)).body.messages;
      assert.deepEqual(history.map((m: any) => [m.body, m.deleted]), [['B only', false]]);
      const invites = (await b.owner.client.get(`/api/v1/workspaces/${b.workspaceId}/invites`)).body.invites;
      assert.ok(invites.every((i: any) => !i.revoked));
    });

    it('A’s own channels and DMs cannot pull in B’s users (404, nothing created)', async () => {
      const outsider = b.members[0]!;
      assertError(
        await a.owner.client.post(`/api/v1/workspaces/${a.workspaceId}/channels`, { name: 'mixed', memberIds: [outsider.id] }),
        404,
        'NOT_FOUND',
      );
      assertError(await openConversation(a.owner, a.workspaceId, [outsider]), 404, 'NOT_FOUND');
      assertError(await openConversation(a.owner, a.workspaceId, [a.members[0]!, outsider]), 404, 'NOT_FOUND');
      const own = await createChannel(a.owner, a.workspaceId, { name: 'a-only', kind: 'private' });
      assertError(await a.owner.client.post(`/api/v1/channels/${own.id}/members`, { userId: outsider.id }), 404, 'NOT_FOUND');
      const listed = (await a.owner.client.get(`/api/v1/workspaces/${a.workspaceId}/channels`)).body.channels;
      assert.deepEqual(listed.map((c: any) => c.slug), ['a-only']);
    });

    it('B’s channel is absent from A’s channel list', async () => {
      const listed = (await a.members[0]!.client.get(`/api/v1/workspaces/${a.workspaceId}/channels`)).body.channels;
      assert.ok(listed.every((c: any) => c.workspaceId === a.workspaceId));
      assert.ok(!listed.some((c: any) => c.id === realIds.channelId));
    });
  });
}
