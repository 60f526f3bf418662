import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageLimits } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { joinChannel, markRead, newWorkspaceMember, send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep } from './testSocket.js';
import type { FrameRecorder } from './testFrames.js';

/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;

/** The read markers `watcher` was told about for `userId` in `channelId`, in order. */
const receiptsOf = (watcher: FrameRecorder, channelId: string, userId: string): number[] =>
  watcher.ofType('receipt').filter((f) => f.channelId === channelId && f.userId === userId).map((f) => f.lastReadSeq);

for (const database of DATABASES) {
  describe(`WebSocket gateway: live read receipts (${database})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({ database });
    });
    after(() => server.close());

    it('a member’s read marker reaches the other members, over the socket and over REST alike; not the reader, not non-members', async () => {
      const team: Team = await setUpTeam(server, 3);
      const [alice, bob, carol] = team.members;
      const dave = await newWorkspaceMember(server, team); // in the workspace, not in the channel
      const author = await TestSocket.live(alice!.client);
      const other = await TestSocket.live(carol!.client);
      const readerTab = await TestSocket.live(bob!.client);
      const outsider = await TestSocket.live(dave.client);

      const m1 = await send(alice!, team.channelId, 'read me');
      const ack = await readerTab.request({ type: 'read', ref: 'r1', channelId: team.channelId, seq: m1.seq });
      assert.equal(ack.type === 'ack' && ack.lastReadSeq, m1.seq);
      const receipt = await author.next('receipt', (f) => f.userId === bob!.user.id);
      assert.deepEqual(receipt, { type: 'receipt', channelId: team.channelId, userId: bob!.user.id, lastReadSeq: m1.seq });
      await other.next('receipt', (f) => f.userId === bob!.user.id && f.lastReadSeq === m1.seq);

      const m2 = await send(alice!, team.channelId, 'read me over REST');
      assert.equal((await markRead(bob!, team.channelId, m2.seq)).status, 200);
      for (const watcher of [author, other]) await watcher.next('receipt', (f) => f.userId === bob!.user.id && f.lastReadSeq === m2.seq);

      // A marker that does not move (an older seq) is no receipt; a later one of someone else is.
      assert.equal((await markRead(bob!, team.channelId, m1.seq)).body.lastReadSeq, m2.seq);
      assert.equal((await markRead(carol!, team.channelId, m2.seq)).status, 200);
      await author.next('receipt', (f) => f.userId === carol!.user.id && f.lastReadSeq === m2.seq);
      await readerTab.next('receipt', (f) => f.userId === carol!.user.id, { timeoutMs: 2000 });
      assert.deepEqual(receiptsOf(author, team.channelId, bob!.user.id), [m1.seq, m2.seq]);

      assert.deepEqual(readerTab.ofType('receipt').filter((f) => f.userId === bob!.user.id), [], 'the reader’s own tabs get `read`, not receipts');
      assert.ok(readerTab.ofType('read').some((f) => f.lastReadSeq === m2.seq));
      await outsider.roundTrip();
      await sleep(QUIET_MS);
      assert.deepEqual(outsider.ofType('receipt'), [], 'receipts stay in the channel');
      assert.deepEqual([...author.malformed, ...other.malformed], []);
      for (const s of [author, other, readerTab, outsider]) await s.close();
    });

    it(`receipts are live in channels of up to ${MessageLimits.receiptsMaxMembers} members, not in bigger ones`, async () => {
      const team = await setUpTeam(server, MessageLimits.receiptsMaxMembers - 1); // with the owner: exactly the maximum
      const reader = team.members[0]!;
      const watcher = await TestSocket.live(team.owner.client);
      const m1 = await send(team.owner, team.channelId, 'small enough');
      assert.equal((await markRead(reader, team.channelId, m1.seq)).status, 200);
      await watcher.next('receipt', (f) => f.userId === reader.user.id && f.lastReadSeq === m1.seq);

      const oneTooMany = await newWorkspaceMember(server, team);
      await joinChannel(oneTooMany, team.channelId);
      const m2 = await send(team.owner, team.channelId, 'too big now');
      assert.equal((await markRead(reader, team.channelId, m2.seq)).status, 200);
      await watcher.roundTrip();
      await sleep(QUIET_MS);
      assert.deepEqual(receiptsOf(watcher, team.channelId, reader.user.id), [m1.seq]);
      await watcher.close();
    });
  });
}
