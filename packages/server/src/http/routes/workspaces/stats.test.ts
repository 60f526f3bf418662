import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { assertError, createWorkspace, send, setUpTeam, signUp, type Team } from '../messages/fixtures.js';
import { TestSocket } from '../../../realtime/testSocket.js';

/** Polls the stats until `check` holds (the figures follow live events, a moment behind). */
async function statsUntil(team: Team, check: (s: Record<string, number>) => boolean): Promise<Record<string, number>> {
  let last: Record<string, number> = {};
  for (let i = 0; i < 50; i++) {
    const res = await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/stats`);
    assert.equal(res.status, 200, res.text);
    last = res.body;
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 40));
  }
  assert.fail(`stats never matched: ${JSON.stringify(last)}`);
}

describe('GET /api/v1/workspaces/:id/stats (admin live figures)', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer({ env: { PRESENCE_GRACE_MS: '0' } });
    team = await setUpTeam(server, 2);
  });
  after(() => server.close());

  it('counts members’ open connections, messages of the last minute and active users', async () => {
    const before = await statsUntil(team, () => true);
    assert.deepEqual(before, { openConnections: 0, messagesPerMinute: 0, activeUsers: 0, members: 3 });

    const tabs = [await TestSocket.live(team.members[0]!.client), await TestSocket.live(team.members[0]!.client), await TestSocket.live(team.members[1]!.client)];
    await statsUntil(team, (s) => s.openConnections === 3 && s.activeUsers === 2);

    await send(team.members[0]!, team.channelId, 'one');
    await send(team.members[1]!, team.channelId, 'two');
    await statsUntil(team, (s) => s.messagesPerMinute === 2);

    await Promise.all(tabs.map((t) => t.close()));
    const after = await statsUntil(team, (s) => s.openConnections === 0 && s.activeUsers === 0);
    assert.equal(after.messagesPerMinute, 2, 'closing connections does not forget the messages');
  });

  it('does not count another workspace’s connections or messages', async () => {
    const outsider = await signUp(server);
    const { workspaceId } = await createWorkspace(outsider, 'Elsewhere');
    const socket = await TestSocket.live(outsider.client);
    const res = await outsider.client.get(`/api/v1/workspaces/${workspaceId}/stats`);
    assert.equal(res.status, 200);
    assert.equal(res.body.openConnections, 1);
    const mine = await statsUntil(team, () => true);
    assert.equal(mine.openConnections, 0);
    await socket.close();
  });

  it('is for admins only: a member gets 403, a stranger the same 404 as a missing workspace', async () => {
    assertError(await team.members[0]!.client.get(`/api/v1/workspaces/${team.workspaceId}/stats`), 403, 'FORBIDDEN');
    const stranger = await signUp(server);
    assertError(await stranger.client.get(`/api/v1/workspaces/${team.workspaceId}/stats`), 404, 'NOT_FOUND');
    assertError(await stranger.client.get('/api/v1/workspaces/no-such-workspace/stats'), 404, 'NOT_FOUND');
  });
});
