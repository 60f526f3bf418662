import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sendMessage } from '../actions/messageSender.js';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import {
  acceptInvite,
  createChannel,
  createWorkspace,
  joinChannel,
  newWorkspaceMember,
  send,
  setUpTeam,
  signUp,
  type Person,
  type Team,
} from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, type EventFrame } from './testSocket.js';

/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;
const name = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const isMember = (type: 'member.joined' | 'member.left', userId: string) => (e: EventFrame) => e.event.type === type && e.event.userId === userId;

for (const database of DATABASES) {
  describe(`WebSocket gateway: membership changes on open sockets (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let owner: Person;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 0);
      owner = team.owner;
    });
    after(() => server.close());

    const addMember = async (channelId: string, userId: string) => {
      const res = await owner.client.post(`/api/v1/channels/${channelId}/members`, { userId });
      assert.ok(res.status === 200 || res.status === 201 || res.status === 204, res.text);
    };
    const removeMember = async (channelId: string, userId: string) => {
      const res = await owner.client.delete(`/api/v1/channels/${channelId}/members/${userId}`);
      assert.ok(res.status === 200 || res.status === 204, res.text);
    };
    /** Sends more, then proves the socket has processed everything, then watches for QUIET_MS. */
    const assertNothingMoreFrom = async (socket: TestSocket, channelId: string, afterSeq: number) => {
      await socket.roundTrip();
      await sleep(QUIET_MS);
      const late = socket.events(channelId).filter((e) => e.seq > afterSeq);
      assert.deepEqual(late.map((e) => `${e.seq} ${e.event.type}`), [], 'nothing after member.left');
    };

    it('added to a private channel: member.joined first, then its messages; removed: member.left, then nothing', async () => {
      const bob = await newWorkspaceMember(server, team);
      const socket = await TestSocket.live(bob.client);
      const privateId = await createChannel(owner, team.workspaceId, name('private'), { kind: 'private' });
      await send(owner, privateId, 'before bob was added');
      await addMember(privateId, bob.user.id);
      const joined = await socket.next('event', (e) => e.channelId === privateId && isMember('member.joined', bob.user.id)(e));
      const m1 = await send(owner, privateId, 'welcome bob');
      const m2 = await send(owner, privateId, 'second');
      await socket.event(privateId, m2.seq);
      assert.deepEqual(socket.events(privateId).map((e) => e.seq), [joined.seq, m1.seq, m2.seq], 'the join is the first event; nothing from before it');

      await removeMember(privateId, bob.user.id);
      const left = await socket.next('event', (e) => e.channelId === privateId && isMember('member.left', bob.user.id)(e));
      const m3 = await send(owner, privateId, 'after bob left: secret 1');
      await send(owner, privateId, 'after bob left: secret 2');
      assert.equal((await owner.client.request('PATCH', `/api/v1/messages/${m3.id}`, { body: { body: 'edited secret' } })).status, 200);
      assert.equal((await owner.client.request('PUT', `/api/v1/messages/${m3.id}/reactions/${encodeURIComponent('🔒')}`)).status < 300, true);
      await assertNothingMoreFrom(socket, privateId, left.seq);
      // A new socket of the removed user cannot resume the channel either.
      const fresh = await TestSocket.connect(bob.client);
      const from = fresh.frames.length;
      fresh.send({ type: 'resume', ref: 'r', channels: { [privateId]: left.seq } });
      assert.equal((await fresh.next('error', () => true, { from })).code, 'NOT_FOUND');
      await assertNothingMoreFrom(fresh, privateId, 0);
      await fresh.close();

      // Added again: events start again with the new member.joined.
      await addMember(privateId, bob.user.id);
      const rejoined = await socket.next('event', (e) => e.channelId === privateId && e.seq > left.seq && isMember('member.joined', bob.user.id)(e));
      const m4 = await send(owner, privateId, 'welcome back');
      await socket.event(privateId, m4.seq);
      assert.deepEqual(socket.events(privateId).filter((e) => e.seq > left.seq).map((e) => e.seq), [rejoined.seq, m4.seq]);
      await socket.close();
    });

    it('removed before resuming a long replay: the replay stops at member.left (nothing posted after it leaks)', async () => {
      const hank = await newWorkspaceMember(server, team);
      const privateId = await createChannel(owner, team.workspaceId, name('replayed'), { kind: 'private', memberIds: [hank.user.id] });
      const p0 = (await send(owner, privateId, 'hank may read this')).seq;
      const socket = await TestSocket.connect(hank.client); // opened while still a member; not resumed yet
      await removeMember(privateId, hank.user.id);
      for (let i = 0; i < 600; i += 25) {
        await Promise.all(Array.from({ length: 25 }, (_, n) => sendMessage(server.ctx, owner.user.id, privateId, { body: `after hank left ${i + n}` })));
      }
      await socket.resume({ [privateId]: p0 - 1 });
      const events = socket.events(privateId);
      const left = events.find(isMember('member.left', hank.user.id));
      assert.ok(left, 'the removal is delivered');
      await assertNothingMoreFrom(socket, privateId, left.seq);
      assert.deepEqual(events.map((e) => e.seq), [p0, left.seq]);
      await socket.close();
    });

    it('leaving a public channel oneself ends its events; other channels keep flowing', async () => {
      const carol = await newWorkspaceMember(server, team);
      const stays = await createChannel(owner, team.workspaceId, name('stays'));
      const leaves = await createChannel(owner, team.workspaceId, name('leaves'));
      await joinChannel(carol, stays);
      await joinChannel(carol, leaves);
      const socket = await TestSocket.live(carol.client);
      assert.equal((await carol.client.post(`/api/v1/channels/${leaves}/leave`)).status < 300, true);
      const left = await socket.next('event', (e) => e.channelId === leaves && isMember('member.left', carol.user.id)(e));
      await send(owner, leaves, 'after carol left');
      const kept = await send(owner, stays, 'still here');
      await socket.event(stays, kept.seq);
      await assertNothingMoreFrom(socket, leaves, left.seq);
      await socket.close();
    });

    it('removed from the workspace: member.left in each of its channels, then nothing from any of them', async () => {
      const dave = await newWorkspaceMember(server, team);
      const general = await createChannel(owner, team.workspaceId, name('general'));
      const secret = await createChannel(owner, team.workspaceId, name('secret'), { kind: 'private', memberIds: [dave.user.id] });
      await joinChannel(dave, general);
      const socket = await TestSocket.live(dave.client);
      const res = await owner.client.delete(`/api/v1/workspaces/${team.workspaceId}/members/${dave.user.id}`);
      assert.ok(res.status === 200 || res.status === 204, res.text);
      const lefts = new Map<string, number>();
      for (const channelId of [general, secret]) {
        lefts.set(channelId, (await socket.next('event', (e) => e.channelId === channelId && isMember('member.left', dave.user.id)(e))).seq);
      }
      await send(owner, general, 'after dave was removed');
      await send(owner, secret, 'secret after dave was removed');
      for (const [channelId, seq] of lefts) await assertNothingMoreFrom(socket, channelId, seq);
      await socket.close();
    });

    it('a private channel created with the user as a member is followed live', async () => {
      const erin = await newWorkspaceMember(server, team);
      const socket = await TestSocket.live(erin.client);
      const channelId = await createChannel(owner, team.workspaceId, name('created-with-erin'), { kind: 'private', memberIds: [erin.user.id] });
      const joined = await socket.next('event', (e) => e.channelId === channelId && isMember('member.joined', erin.user.id)(e));
      const m = await send(owner, channelId, 'hello erin');
      await socket.event(channelId, m.seq);
      assert.deepEqual(socket.events(channelId).map((e) => e.seq), [joined.seq, m.seq]);
      await socket.close();
    });

    it('joining a workspace after connecting, then being added to a channel there, is followed live', async () => {
      const frank = await signUp(server);
      const socket = await TestSocket.live(frank.client);
      const other = await signUp(server);
      const { workspaceId, inviteCode } = await createWorkspace(other, 'Joined later');
      await acceptInvite(frank, inviteCode);
      const channelId = await createChannel(other, workspaceId, name('later'), { kind: 'private' });
      const res = await other.client.post(`/api/v1/channels/${channelId}/members`, { userId: frank.user.id });
      assert.ok(res.status < 300, res.text);
      const joined = await socket.next('event', (e) => e.channelId === channelId && isMember('member.joined', frank.user.id)(e), { timeoutMs: 2000 });
      const m = await send(other, channelId, 'hello frank');
      await socket.event(channelId, m.seq, 2000);
      assert.deepEqual(socket.events(channelId).map((e) => e.seq), [joined.seq, m.seq]);
      await socket.close();
    });

    it('a workspace created after connecting: its channels are followed live', async () => {
      const gina = await signUp(server);
      const socket = await TestSocket.live(gina.client);
      const { workspaceId } = await createWorkspace(gina, 'Created later');
      const channelId = await createChannel(gina, workspaceId, name('mine'));
      const joined = await socket.next('event', (e) => e.channelId === channelId && isMember('member.joined', gina.user.id)(e), { timeoutMs: 2000 });
      const m = await send(gina, channelId, 'first post');
      await socket.event(channelId, m.seq, 2000);
      assert.deepEqual(socket.events(channelId).map((e) => e.seq), [joined.seq, m.seq]);
      await socket.close();
    });
  });
}
