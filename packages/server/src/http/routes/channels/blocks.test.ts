import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertError, assertStatus, createChannel, createTeam, openConversation, randomId, sendMessage, sorted, type Person } from '../workspaces/fixtures.js';

const block = (p: Person, target: string) => p.client.request('PUT', `/api/v1/me/blocks/${target}`);
const unblock = (p: Person, target: string) => p.client.delete(`/api/v1/me/blocks/${target}`);
const blockList = async (p: Person) => {
  const res = await p.client.get('/api/v1/me/blocks');
  assertStatus(res, 200);
  return res.body.blockedUserIds as string[];
};

for (const database of DATABASES) {
  describe(`blocking users (${database})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('PUT and DELETE manage my private block list; the blocked user’s list does not show it', async () => {
      const { members } = await createTeam(server, 3);
      const [blocker, blocked, other] = members;
      assert.deepEqual(await blockList(blocker!), []);
      assertStatus(await block(blocker!, blocked!.id), 204);
      assertStatus(await block(blocker!, blocked!.id), 204);
      assertStatus(await block(blocker!, other!.id), 204);
      assert.deepEqual(sorted(await blockList(blocker!)), sorted([blocked!.id, other!.id]), 'blocking twice lists once');
      assert.deepEqual(await blockList(blocked!), [], 'the blocked user is not told');
      assert.deepEqual(await blockList(other!), []);

      assertStatus(await unblock(blocker!, blocked!.id), 204);
      assert.deepEqual(await blockList(blocker!), [other!.id]);
      assertStatus(await unblock(blocker!, blocked!.id), 204);
    });

    it('blocking oneself is 400; an unknown user is 404', async () => {
      const { owner } = await createTeam(server, 0);
      assertError(await block(owner, owner.id), 400, 'VALIDATION_FAILED');
      assertError(await block(owner, randomId()), 404, 'NOT_FOUND');
      assert.deepEqual(await blockList(owner), []);
    });

    it('a blocked user cannot open a DM or a group DM with the blocker (403); the blocker still can', async () => {
      const { workspaceId, owner, members } = await createTeam(server, 3);
      const [blocker, blocked, bystander] = members;
      assertStatus(await block(blocker!, blocked!.id), 204);

      const refused = await openConversation(blocked!, workspaceId, [blocker!]);
      assertError(refused, 403, 'FORBIDDEN');
      assert.doesNotMatch(refused.body.error.message, /block/i, 'the refusal does not say why');
      assertError(await openConversation(blocked!, workspaceId, [blocker!, bystander!]), 403, 'FORBIDDEN');
      assertError(await openConversation(blocked!, workspaceId, [owner, bystander!, blocker!]), 403, 'FORBIDDEN');
      const blockedSees = (await blocked!.client.get(`/api/v1/workspaces/${workspaceId}/channels`)).body.channels;
      assert.deepEqual(blockedSees, [], 'no conversation was created');
      assertStatus(await openConversation(blocked!, workspaceId, [bystander!]), 201);

      const byBlocker = await openConversation(blocker!, workspaceId, [blocked!]);
      assertStatus(byBlocker, 201);
      assertStatus(await sendMessage(blocker!, byBlocker.body.id, 'I can still write'), 201);
      assertError(await sendMessage(blocked!, byBlocker.body.id, 'can I reply?'), 403, 'FORBIDDEN');
      assertError(await openConversation(blocked!, workspaceId, [blocker!]), 403, 'FORBIDDEN');
    });

    it('a block makes an existing DM and group DM read-only for the blocked user, and unblocking restores it', async () => {
      const { workspaceId, members } = await createTeam(server, 3);
      const [blocker, blocked, bystander] = members;
      const dm = (await openConversation(blocked!, workspaceId, [blocker!])).body.id;
      const group = (await openConversation(blocked!, workspaceId, [blocker!, bystander!])).body.id;
      assertStatus(await sendMessage(blocked!, dm, 'before the block'), 201);

      assertStatus(await block(blocker!, blocked!.id), 204);
      const refused = await sendMessage(blocked!, dm, 'after the block');
      assertError(refused, 403, 'FORBIDDEN');
      assert.doesNotMatch(refused.body.error.message, /block/i, 'the refusal does not say why');
      assertError(await sendMessage(blocked!, group, 'after the block'), 403, 'FORBIDDEN');
      assertStatus(await sendMessage(blocker!, dm, 'the blocker may post'), 201);
      assertStatus(await sendMessage(bystander!, group, 'bystanders are unaffected'), 201);
      const history = await blocked!.client.get(`/api/v1/channels/${dm}/messages`);
      assertStatus(history, 200);
      assert.deepEqual(history.body.messages.map((m: any) => m.body), ['the blocker may post', 'before the block'], 'the refused send stored nothing');

      assertStatus(await unblock(blocker!, blocked!.id), 204);
      assertStatus(await sendMessage(blocked!, dm, 'talking again'), 201);
      assertStatus(await sendMessage(blocked!, group, 'talking again'), 201);
      assertStatus(await openConversation(blocked!, workspaceId, [blocker!]), 200);
    });

    it('blocks do not stop posting in shared public channels', async () => {
      const { workspaceId, members } = await createTeam(server, 2);
      const [blocker, blocked] = members;
      const channel = await createChannel(blocker!, workspaceId, { name: 'everyone', memberIds: [blocked!.id] });
      assertStatus(await block(blocker!, blocked!.id), 204);
      assertStatus(await sendMessage(blocked!, channel.id, 'public speech'), 201);
    });
  });
}
