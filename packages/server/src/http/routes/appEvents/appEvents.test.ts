import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppEventLimits } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import { assertError, setUpTeam, type Team } from '../messages/fixtures.js';
import { TestSocket } from '../../../realtime/testSocket.js';

type Frame = { type: string; event?: { seq: number; topic: string; type: string; data: Record<string, unknown> }; topic?: string; lastSeq?: number };

for (const database of DATABASES) {
  describe(`app events (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let botToken: string;
    let keys = 0;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 1);
      const bot = (await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots`, { username: 'front_desk' })).body;
      botToken = (await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/bots/${bot.id}/tokens`, { name: 'desk', scopes: ['events', 'read'] })).body.token;
    });
    after(() => server.close());

    const publish = (body: unknown, key: string | null = `k-${++keys}`, token = botToken) =>
      new TestClient(server.url).request('POST', `/api/v1/workspaces/${team.workspaceId}/app-events`, {
        body,
        headers: { authorization: `Bearer ${token}`, ...(key === null ? {} : { 'idempotency-key': key }) },
      });
    const list = async (topic: string, after = 0) => (await team.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/app-events?topic=${topic}&after=${after}`)).body;
    const checkin = (member: string) => ({ topic: 'checkins', type: 'member.checked_in', data: { member, desk: 'north' } });

    it('each topic numbers its events from 1 with no gap, durable and readable by REST', async () => {
      for (const m of ['ana', 'ben', 'cy']) assert.equal((await publish(checkin(m))).status, 201);
      const other = await publish({ topic: 'classes', type: 'class.full', data: { id: 7 } });
      assert.equal(other.body.seq, 1, 'another topic has its own sequence');
      const page = await list('checkins');
      assert.deepEqual(page.events.map((e: { seq: number; data: { member: string } }) => [e.seq, e.data.member]), [[1, 'ana'], [2, 'ben'], [3, 'cy']]);
      assert.equal(page.lastSeq, 3);
      assert.deepEqual((await list('checkins', 2)).events.map((e: { seq: number }) => e.seq), [3]);
    });

    it('Idempotency-Key: a retry answers the first result and stores nothing; another body with it is 422; none is 400', async () => {
      const first = await publish(checkin('dee'), 'retry-1');
      const again = await publish(checkin('dee'), 'retry-1');
      assert.equal(again.status, 201);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assertError(await publish(checkin('eve'), 'retry-1'), 422, 'IDEMPOTENCY_KEY_REUSED');
      assertError(await publish(checkin('eve'), null), 400, 'VALIDATION_FAILED');
      assertError(await publish(checkin('eve'), 'x'.repeat(AppEventLimits.idempotencyKeyMax + 1)), 400, 'VALIDATION_FAILED');
      const page = await list('checkins');
      assert.equal(page.events.filter((e: { data: { member: string } }) => e.data.member === 'dee').length, 1);
      assert.equal(page.events.some((e: { data: { member: string } }) => e.data.member === 'eve'), false);
    });

    it('concurrent publishes take distinct, consecutive numbers', async () => {
      const before = (await list('burst')).lastSeq;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => publish({ topic: 'burst', type: 'tick', data: { i } })));
      assert.ok(answers.every((a) => a.status === 201));
      assert.deepEqual(answers.map((a) => a.body.seq as number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => before + i + 1));
    });

    it('bad input and who may publish: scopes, roles, tenants, limits', async () => {
      const [member] = team.members;
      const readOnly = (await team.owner.client.post('/api/v1/me/tokens', { name: 'r', scopes: ['read'] })).body.token;
      assertError(await publish(checkin('x'), 'scope-1', readOnly), 403, 'INSUFFICIENT_SCOPE');
      assertError(await member!.client.post(`/api/v1/workspaces/${team.workspaceId}/app-events`, checkin('x'), { headers: { 'idempotency-key': 'm-1' } }), 403, 'FORBIDDEN');
      const outsider = await setUpTeam(server, 0);
      assertError(await outsider.owner.client.get(`/api/v1/workspaces/${team.workspaceId}/app-events?topic=checkins`), 404, 'NOT_FOUND');
      for (const body of [{ topic: 'Bad Topic', type: 't', data: {} }, { topic: 'ok', type: '', data: {} }, { topic: 'ok', type: 't', data: [] }, { topic: 'ok', type: 't' }, { topic: 'ok', type: 't', data: {}, extra: 1 }]) {
        assertError(await publish(body), 400, 'VALIDATION_FAILED');
      }
      const fill = (n: number) => ({ topic: 'big', type: 't', data: { x: 'a'.repeat(n - '{"x":""}'.length) } });
      assert.equal((await publish(fill(AppEventLimits.dataMaxBytes))).status, 201, 'exactly at the limit');
      assertError(await publish(fill(AppEventLimits.dataMaxBytes + 1)), 400, 'VALIDATION_FAILED');
      // An admin's own session may publish too (no scopes to check).
      assert.equal((await team.owner.client.post(`/api/v1/workspaces/${team.workspaceId}/app-events`, checkin('admin'), { headers: { 'idempotency-key': 'admin-1' } })).status, 201);
    });

    it('live over the socket: subscribe replays from a position, then delivers each new event once, in order; resuming elsewhere misses nothing', async () => {
      const [member] = team.members;
      const head = (await list('live')).lastSeq;
      for (let i = 0; i < 3; i++) await publish({ topic: 'live', type: 't', data: { i } });
      const socket = await TestSocket.live(member!.client);
      const ack = await socket.request({ type: 'subscribe', ref: 's1', workspaceId: team.workspaceId, topics: { live: head + 1 } });
      assert.equal(ack.type, 'ack');
      const subscribed = (await socket.next('subscribed')) as Frame;
      assert.equal(subscribed.lastSeq, head + 3);
      for (let i = 3; i < 6; i++) await publish({ topic: 'live', type: 't', data: { i } });
      await socket.waitForCount((f) => f.type === 'app_event', 5, { timeoutMs: 5000 });
      const seen = () => socket.ofType('app_event').map((f) => (f as Frame).event!.seq);
      assert.deepEqual(seen(), [head + 2, head + 3, head + 4, head + 5, head + 6]);
      const last = seen().at(-1)!;
      await socket.close();

      for (let i = 6; i < 9; i++) await publish({ topic: 'live', type: 't', data: { i } });
      const back = await TestSocket.live(member!.client);
      await back.request({ type: 'subscribe', ref: 's2', workspaceId: team.workspaceId, topics: { live: last } });
      await back.next('subscribed');
      assert.deepEqual(back.ofType('app_event').map((f) => (f as Frame).event!.seq), [last + 1, last + 2, last + 3]);
      const bad = await back.request({ type: 'subscribe', ref: 's3', workspaceId: 'no-such-workspace', topics: { live: 0 } });
      assert.equal(bad.type === 'error' && bad.code, 'NOT_FOUND');
      await back.close();
    });
  });
}
