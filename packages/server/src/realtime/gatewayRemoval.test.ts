import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { createChannel, eventPage, fullHistory, joinChannel, newWorkspaceMember, send, setUpTeam, type Person, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, type EventFrame } from './testSocket.js';
import { TestStream } from './testStream.js';
import type { FrameRecorder } from './testFrames.js';

/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;
const name = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const leftBy = (userId: string) => (e: EventFrame) => e.event.type === 'member.left' && e.event.userId === userId;

for (const database of DATABASES) {
  describe(`Removal from a channel or workspace ends its delivery on live connections (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let owner: Person;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 0);
      owner = team.owner;
    });
    after(() => server.close());

    const kick = async (channelId: string, userId: string) => {
      const res = await owner.client.delete(`/api/v1/channels/${channelId}/members/${userId}`);
      assert.ok(res.status === 200 || res.status === 204, res.text);
    };
    const head = async (channelId: string) => (await eventPage(owner, channelId, 0, 1)).lastSeq;
    /** Nothing of `channelId` after `afterSeq` arrives within QUIET_MS. */
    const assertQuiet = async (recorder: FrameRecorder, channelId: string, afterSeq: number) => {
      await sleep(QUIET_MS);
      assert.deepEqual(recorder.events(channelId).filter((e) => e.seq > afterSeq).map((e) => `${e.seq} ${e.event.type}`), []);
    };

    for (const position of ['the channel head', 'far past the head (a reset)'] as const) {
      it(`kicked before resuming, a socket that claims ${position} still gets member.left, then nothing of the channel`, async () => {
        const hank = await newWorkspaceMember(server, team);
        const privateId = await createChannel(owner, team.workspaceId, name('private'), { kind: 'private', memberIds: [hank.user.id] });
        await send(owner, privateId, 'hank may read this');
        const socket = await TestSocket.connect(hank.client); // opened while a member; not resumed yet
        await kick(privateId, hank.user.id);
        await send(owner, privateId, 'after hank was kicked 1');
        const claimed = position === 'the channel head' ? await head(privateId) : 1_000_000_000;
        await socket.resume({ [privateId]: claimed });
        const left = socket.events(privateId).find(leftBy(hank.user.id));
        assert.ok(left, `the removal is delivered; frames: ${JSON.stringify(socket.frames.slice(-4))}`);
        const secret = await send(owner, privateId, 'after hank was kicked 2');
        await socket.roundTrip();
        await assertQuiet(socket, privateId, left.seq);
        assert.deepEqual(socket.created(privateId, secret.id), []);
        // What the removed user sends there is refused and not stored.
        const reply = await socket.request({ type: 'send', ref: 'kicked-send', channelId: privateId, body: 'let me back', clientMessageId: randomUUID() });
        assert.equal(reply.type, 'error');
        assert.ok(!(await fullHistory(owner, privateId)).some((m) => m.body === 'let me back'));
        await socket.close();
      });
    }

    it('removed from the workspace, an SSE stream gets member.left in each channel, then none of their events and none of its presence', async () => {
      const dave = await newWorkspaceMember(server, team);
      const general = await createChannel(owner, team.workspaceId, name('general'));
      const secret = await createChannel(owner, team.workspaceId, name('secret'), { kind: 'private', memberIds: [dave.user.id] });
      await joinChannel(dave, general);
      const stream = await TestStream.live(dave.client);
      const witness = await TestStream.live(owner.client);
      const res = await owner.client.delete(`/api/v1/workspaces/${team.workspaceId}/members/${dave.user.id}`);
      assert.equal(res.status, 204, res.text);
      const lefts = new Map<string, number>();
      for (const channelId of [general, secret]) lefts.set(channelId, (await stream.next('event', (e) => e.channelId === channelId && leftBy(dave.user.id)(e))).seq);

      // A member comes online and posts in both channels: the owner's stream hears it all, dave's nothing.
      const erin = await newWorkspaceMember(server, team);
      await joinChannel(erin, general);
      const erinSocket = await TestSocket.live(erin.client);
      await witness.next('presence', (p) => p.userId === erin.user.id && p.status === 'online');
      const posted = [await send(owner, general, 'after dave left'), await send(owner, secret, 'secret after dave left')];
      for (const m of posted) await witness.next('event', (e) => e.event.type === 'message.created' && e.event.message.id === m.id);
      for (const [channelId, seq] of lefts) await assertQuiet(stream, channelId, seq);
      assert.deepEqual(stream.ofType('presence').filter((p) => p.userId === erin.user.id), [], 'no presence of the workspace after removal');
      for (const s of [stream, witness]) await s.close();
      await erinSocket.close();
    });
  });
}
