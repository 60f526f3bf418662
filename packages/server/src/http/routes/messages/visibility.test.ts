import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertError, createChannel, enc, getMessage, newWorkspaceMember, send, setUpTeam, signUp, type Person, type Team } from './fixtures.js';

/** Every message-level request a client can make, each of which must be a plain 404 to an outsider. */
function messageProbes(messageId: string) {
  return [
    ['GET', `/api/v1/messages/${messageId}`],
    ['GET', `/api/v1/messages/${messageId}/replies`],
    ['GET', `/api/v1/messages/${messageId}/receipts`],
    ['GET', `/api/v1/messages/${messageId}/edits`],
    ['PUT', `/api/v1/messages/${messageId}/reactions/${enc('👍')}`],
    ['DELETE', `/api/v1/messages/${messageId}/reactions/${enc('👍')}`],
    ['PUT', `/api/v1/messages/${messageId}/pin`],
    ['DELETE', `/api/v1/messages/${messageId}/pin`],
    ['PATCH', `/api/v1/messages/${messageId}`, { body: 'rewritten' }],
    ['DELETE', `/api/v1/messages/${messageId}`],
  ] as const;
}

function channelProbes(channelId: string, replyTo: string) {
  return [
    ['GET', `/api/v1/channels/${channelId}/messages`],
    ['GET', `/api/v1/channels/${channelId}/events?after=0`],
    ['GET', `/api/v1/channels/${channelId}/pins`],
    ['POST', `/api/v1/channels/${channelId}/messages`, { body: 'let me in' }],
    ['POST', `/api/v1/channels/${channelId}/messages`, { body: 'sneaky reply', threadRootId: replyTo }],
    ['POST', `/api/v1/channels/${channelId}/read`, { seq: 1 }],
  ] as const;
}

async function assertAllNotFound(outsider: Person, probes: readonly (readonly [string, string, object?])[], secret: string): Promise<void> {
  for (const [method, path, body] of probes) {
    const res = await outsider.client.request(method, path, body === undefined ? {} : { body });
    assertError(res, 404, 'NOT_FOUND');
    assert.ok(!res.text.includes(secret), `${method} ${path} leaks nothing`);
  }
}

for (const database of DATABASES) {
  describe(`private channels and DMs: messages are invisible to non-members (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let secretCount = 0;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 3);
    });
    after(() => server.close());

    /** A private channel of alice and bob, with a root, a reply, a reaction and a pin. */
    async function privateConversation(kind: 'private' | 'dm'): Promise<{ channelId: string; root: Message; reply: Message }> {
      const [alice, bob] = team.members;
      let channelId: string;
      if (kind === 'dm') {
        const res = await alice!.client.post(`/api/v1/workspaces/${team.workspaceId}/conversations`, { userIds: [bob!.user.id] });
        assert.ok(res.status === 201 || res.status === 200, res.text);
        channelId = res.body.id;
      } else {
        channelId = await createChannel(alice!, team.workspaceId, `secret-${(secretCount += 1)}`, { kind: 'private', memberIds: [bob!.user.id] });
      }
      const root = await send(alice!, channelId, 'TOP SECRET root');
      const reply = await send(bob!, channelId, 'TOP SECRET reply', { threadRootId: root.id });
      assert.equal((await bob!.client.request('PUT', `/api/v1/messages/${root.id}/reactions/${enc('👍')}`)).status, 204);
      assert.equal((await alice!.client.request('PUT', `/api/v1/messages/${root.id}/pin`)).status, 204);
      return { channelId, root, reply };
    }

    for (const kind of ['private', 'dm'] as const) {
      it(`${kind}: a workspace member outside it gets 404 for the message, its replies, receipts, edits, reactions and pin`, async () => {
        const { channelId, root, reply } = await privateConversation(kind);
        const [, , carol] = team.members;
        await assertAllNotFound(carol!, messageProbes(root.id), 'TOP SECRET');
        await assertAllNotFound(carol!, messageProbes(reply.id), 'TOP SECRET');
        await assertAllNotFound(carol!, channelProbes(channelId, root.id), 'TOP SECRET');
        // Nothing changed: the members still see the message as it was.
        const seen = await getMessage(team.members[1]!, root.id);
        assert.equal(seen.body, 'TOP SECRET root');
        assert.equal(seen.deleted, false);
        assert.equal(seen.reactions.length, 1);
        assert.equal(seen.pinned, true);
        assert.equal(seen.replyCount, 1);
      });

      it(`${kind}: even the workspace owner, not a member, gets 404`, async () => {
        const { channelId, root } = await privateConversation(kind);
        await assertAllNotFound(team.owner, messageProbes(root.id), 'TOP SECRET');
        await assertAllNotFound(team.owner, channelProbes(channelId, root.id), 'TOP SECRET');
      });
    }

    it('a user of another workspace gets 404 for messages of a public channel', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'PUBLIC BUT TENANT-ONLY');
      const stranger = await signUp(server);
      await assertAllNotFound(stranger, messageProbes(message.id), 'TENANT-ONLY');
      await assertAllNotFound(stranger, channelProbes(team.channelId, message.id), 'TENANT-ONLY');
    });

    it('a member removed from a private channel loses access to its messages', async () => {
      const { channelId, root } = await privateConversation('private');
      const [alice, bob] = team.members;
      assert.equal((await getMessage(bob!, root.id)).id, root.id);
      const removed = await alice!.client.delete(`/api/v1/channels/${channelId}/members/${bob!.user.id}`);
      assert.equal(removed.status, 204, removed.text);
      assertError(await bob!.client.get(`/api/v1/messages/${root.id}`), 404, 'NOT_FOUND');
      assertError(await bob!.client.get(`/api/v1/messages/${root.id}/replies`), 404, 'NOT_FOUND');
      assertError(await bob!.client.get(`/api/v1/channels/${channelId}/messages`), 404, 'NOT_FOUND');
    });

    it('a public channel\u2019s messages are readable by workspace members who have not joined', async () => {
      const [alice] = team.members;
      const message = await send(alice!, team.channelId, 'open to the workspace');
      const lurker = await newWorkspaceMember(server, team);
      assert.equal((await getMessage(lurker, message.id)).body, 'open to the workspace');
      assert.equal((await lurker.client.get(`/api/v1/messages/${message.id}/replies`)).status, 200);
      assert.equal((await lurker.client.get(`/api/v1/messages/${message.id}/receipts`)).status, 200);
    });
  });
}
