import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceStatus } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { acceptInvite, createWorkspace, newWorkspaceMember, setUpTeam, signUp, type Person, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep } from './testSocket.js';
import type { FrameRecorder } from './testFrames.js';

/** Long enough for a reconnect to land inside it on a busy machine, short enough to wait out. */
const GRACE_MS = 500;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;

/** The statuses `watcher` was told about `userId`, in order. */
const heard = (watcher: FrameRecorder, userId: string): PresenceStatus[] =>
  watcher.ofType('presence').filter((f) => f.userId === userId).map((f) => f.status);

/** Waits until `watcher` has been told `count` statuses of `userId`; returns them all. */
const heardCount = async (watcher: FrameRecorder, userId: string, count: number): Promise<PresenceStatus[]> => {
  await watcher.waitForCount((f) => f.type === 'presence' && f.userId === userId, count, { timeoutMs: 3000 });
  return heard(watcher, userId);
};

const status = (watcher: FrameRecorder, userId: string, expected: PresenceStatus, timeoutMs = 3000) =>
  watcher.next('presence', (f) => f.userId === userId && f.status === expected, { timeoutMs });

for (const database of DATABASES) {
  describe(`WebSocket gateway: presence (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database, env: { PRESENCE_GRACE_MS: String(GRACE_MS) } });
      team = await setUpTeam(server, 0);
    });
    after(() => server.close());

    /** GET /workspaces/{id}/presence as `person`: userId → status. */
    const snapshot = async (person: Person, workspaceId = team.workspaceId): Promise<Map<string, PresenceStatus>> => {
      const res = await person.client.get(`/api/v1/workspaces/${workspaceId}/presence`);
      assert.equal(res.status, 200, res.text);
      return new Map((res.body.presence as { userId: string; status: PresenceStatus }[]).map((p) => [p.userId, p.status]));
    };

    it('two tabs: closing one keeps the user online; closing both shows offline only after the grace period', async () => {
      const alice = await newWorkspaceMember(server, team);
      const watcher = await TestSocket.live(team.owner.client);
      assert.equal((await snapshot(team.owner)).get(alice.user.id), 'offline', 'never connected');

      const tab1 = await TestSocket.live(alice.client);
      assert.deepEqual(await status(watcher, alice.user.id, 'online'), { type: 'presence', userId: alice.user.id, status: 'online' });
      const tab2 = await TestSocket.live(alice.client);
      await tab1.close();
      await sleep(GRACE_MS + QUIET_MS);
      assert.deepEqual(heard(watcher, alice.user.id), ['online'], 'the second tab keeps her online, and opening it changed nothing');
      assert.equal((await snapshot(team.owner)).get(alice.user.id), 'online');

      await tab2.close();
      await sleep(GRACE_MS / 2);
      assert.deepEqual(heard(watcher, alice.user.id), ['online'], 'not offline within the grace period');
      assert.equal((await snapshot(team.owner)).get(alice.user.id), 'online');
      await status(watcher, alice.user.id, 'offline', GRACE_MS * 4);
      assert.deepEqual(heard(watcher, alice.user.id), ['online', 'offline']);
      assert.equal((await snapshot(team.owner)).get(alice.user.id), 'offline');
      assert.deepEqual(watcher.malformed, []);
      await watcher.close();
    });

    it('a reload (reconnect within the grace period) never shows offline', async () => {
      const bob = await newWorkspaceMember(server, team);
      const watcher = await TestSocket.live(team.owner.client);
      const before = await TestSocket.live(bob.client);
      await status(watcher, bob.user.id, 'online');
      await before.close();
      const reloaded = await TestSocket.live(bob.client);
      await sleep(GRACE_MS + QUIET_MS);
      assert.deepEqual(heard(watcher, bob.user.id), ['online']);
      assert.equal((await snapshot(team.owner)).get(bob.user.id), 'online');
      await reloaded.close();
      await watcher.close();
    });

    it('away only when every connection is away; one active connection makes the user online', async () => {
      const carol = await newWorkspaceMember(server, team);
      const watcher = await TestSocket.live(team.owner.client);
      const tab1 = await TestSocket.live(carol.client);
      const tab2 = await TestSocket.live(carol.client);
      await status(watcher, carol.user.id, 'online');

      assert.equal((await tab1.request({ type: 'presence', ref: 'p1', status: 'away' })).type, 'ack');
      assert.equal((await snapshot(team.owner)).get(carol.user.id), 'online', 'one tab away, the other active');
      assert.equal((await tab2.request({ type: 'presence', ref: 'p2', status: 'away' })).type, 'ack');
      await status(watcher, carol.user.id, 'away');
      assert.equal((await snapshot(team.owner)).get(carol.user.id), 'away');

      assert.equal((await tab1.request({ type: 'presence', ref: 'p3', status: 'active' })).type, 'ack');
      assert.deepEqual(await heardCount(watcher, carol.user.id, 3), ['online', 'away', 'online']);
      // The active tab closes: what is left is away.
      await tab1.close();
      assert.deepEqual(await heardCount(watcher, carol.user.id, 4), ['online', 'away', 'online', 'away']);
      assert.equal((await snapshot(team.owner)).get(carol.user.id), 'away');

      const from = tab2.frames.length;
      tab2.sendRaw(JSON.stringify({ type: 'presence', status: 'busy' }));
      assert.equal((await tab2.next('error', () => true, { from })).code, 'VALIDATION_FAILED');
      await tab2.close();
      await watcher.close();
    });

    it('presence reaches only people who share a workspace, follows workspace joins and removals live, and the snapshot is members only', async () => {
      const dave = await newWorkspaceMember(server, team);
      const outsider = await signUp(server);
      const elsewhere = await createWorkspace(outsider, 'Elsewhere');
      const outsiderSocket = await TestSocket.live(outsider.client);
      const watcher = await TestSocket.live(team.owner.client);

      const daveTab = await TestSocket.live(dave.client);
      await status(watcher, dave.user.id, 'online');
      await outsiderSocket.roundTrip();
      await sleep(QUIET_MS);
      assert.deepEqual(outsiderSocket.ofType('presence').filter((f) => f.userId !== outsider.user.id), [], 'another workspace hears nothing');
      assert.equal((await outsider.client.get(`/api/v1/workspaces/${team.workspaceId}/presence`)).status, 404);
      assert.deepEqual([...(await snapshot(outsider, elsewhere.workspaceId)).keys()], [outsider.user.id], 'a snapshot lists the members of that workspace only');

      // Joining the workspace: the newcomer's open socket starts hearing it, and its members see the newcomer.
      await acceptInvite(outsider, team.inviteCode);
      await status(watcher, outsider.user.id, 'online');
      assert.equal((await daveTab.request({ type: 'presence', ref: 'away', status: 'away' })).type, 'ack');
      await status(outsiderSocket, dave.user.id, 'away');

      // Removed from it: nothing more from there.
      const removed = await team.owner.client.delete(`/api/v1/workspaces/${team.workspaceId}/members/${outsider.user.id}`);
      assert.equal(removed.status, 204, removed.text);
      assert.equal((await daveTab.request({ type: 'presence', ref: 'back', status: 'active' })).type, 'ack');
      assert.deepEqual(await heardCount(watcher, dave.user.id, 3), ['online', 'away', 'online']);
      await outsiderSocket.roundTrip();
      await sleep(QUIET_MS);
      assert.deepEqual(heard(outsiderSocket, dave.user.id), ['away']);
      for (const s of [daveTab, outsiderSocket, watcher]) await s.close();
    });

    it('a change still waiting to be written is not written to someone removed from the workspace meanwhile', async () => {
      const frank = await newWorkspaceMember(server, team);
      const leaver = await newWorkspaceMember(server, team);
      const leaverSocket = await TestSocket.live(leaver.client);
      const frankTab = await TestSocket.live(frank.client);
      await status(leaverSocket, frank.user.id, 'online');

      // Presence frames gather for 100 ms before they are written; the removal lands inside that.
      assert.equal((await frankTab.request({ type: 'presence', ref: 'away', status: 'away' })).type, 'ack');
      const removed = await team.owner.client.delete(`/api/v1/workspaces/${team.workspaceId}/members/${leaver.user.id}`);
      assert.equal(removed.status, 204, removed.text);
      // Everything the server wrote before it answered this ping has arrived once the pong has.
      await leaverSocket.roundTrip();
      const afterRemoval = leaverSocket.frames.length;
      await sleep(QUIET_MS);
      const late = leaverSocket.frames.slice(afterRemoval).filter((f) => f.type === 'presence' && f.userId === frank.user.id);
      assert.deepEqual(late, [], 'no presence of the workspace after the removal');
      for (const s of [frankTab, leaverSocket]) await s.close();
    });

    it('someone sharing two workspaces with a user hears each change once', async () => {
      const erin = await newWorkspaceMember(server, team);
      const second = await createWorkspace(team.owner, 'Second');
      await acceptInvite(erin, second.inviteCode);
      const watcher = await TestSocket.live(team.owner.client);
      const tab = await TestSocket.live(erin.client);
      await status(watcher, erin.user.id, 'online');
      await tab.close();
      await status(watcher, erin.user.id, 'offline', GRACE_MS * 4);
      await sleep(QUIET_MS);
      assert.deepEqual(heard(watcher, erin.user.id), ['online', 'offline']);
      await watcher.close();
    });
  });
}
