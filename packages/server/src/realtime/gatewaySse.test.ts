import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Message } from '@relaydesk/protocol';
import { sendMessage } from '../actions/messageSender.js';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';
import { createChannel, eventPage, newWorkspaceMember, send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, type EventFrame } from './testSocket.js';
import { TestStream } from './testStream.js';

const HEARTBEAT_MS = 100;
const GRACE_MS = 200;
/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 300;
const PASSWORD = 'correct horse battery';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqsOf = (events: EventFrame[]) => events.map((e) => e.seq);
const name = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

const metric = async (server: TestServer, metricName: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${metricName} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

for (const database of DATABASES) {
  describe(`Server-Sent Events fallback (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database, env: { SSE_HEARTBEAT_MS: String(HEARTBEAT_MS), PRESENCE_GRACE_MS: String(GRACE_MS) } });
      team = await setUpTeam(server, 2);
    });
    after(() => server.close());

    const reader = () => team.members[0]!;
    const head = async (channelId = team.channelId) => (await eventPage(team.owner, channelId, 0, 1)).lastSeq;
    const sendMany = async (n: number, tag: string, channelId = team.channelId): Promise<Message[]> => {
      const out: Message[] = [];
      for (let i = 0; i < n; i++) out.push(await send(team.owner, channelId, `${tag} ${i}`));
      return out;
    };

    it('needs authentication like the REST API: 401 without credentials, a Bearer token works, a foreign Origin with cookies is 403, a bad resume is 400', async () => {
      const anonymous = await TestStream.open(new TestClient(server.url));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.error.code, 'UNAUTHENTICATED');
      assert.ok(anonymous.error.requestId);

      const tokens = await new TestClient(server.url).post('/api/v1/auth/token', { username: reader().user.username, password: PASSWORD }, { browser: false });
      assert.equal(tokens.status, 200, tokens.text);
      const viaBearer = await TestStream.live(new TestClient(server.url), {}, { cookies: false, headers: { authorization: `Bearer ${tokens.body.accessToken}` } });
      assert.equal(viaBearer.res.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(viaBearer.res.headers['x-content-type-options'], 'nosniff', 'security headers are kept');
      assert.deepEqual(viaBearer.ofType('ready')[0], { type: 'ready', v: 1, userId: reader().user.id, heartbeatMs: HEARTBEAT_MS });
      await viaBearer.close();

      const foreign = await TestStream.open(reader().client, {}, { headers: { origin: 'http://evil.example' } });
      assert.equal(foreign.status, 403);
      assert.equal(foreign.error.code, 'ORIGIN_FORBIDDEN');

      for (const query of ['resume=not-json', `resume=${encodeURIComponent('{"c":-1}')}`, `resume=${encodeURIComponent('[1,2]')}`]) {
        const bad = await TestStream.open(reader().client, undefined, { query });
        assert.equal(bad.status, 400, query);
        assert.equal(bad.error.code, 'VALIDATION_FAILED');
      }
    });

    it('resume replays exactly the missed events, then resumed, then live ones sent over REST, each once and in order', async () => {
      const lastSeen = await head();
      const missed = await sendMany(5, 'missed');
      const stream = await TestStream.open(reader().client, { [team.channelId]: lastSeen });
      const resumed = await stream.next('resumed', (f) => f.channelId === team.channelId);
      assert.equal(resumed.lastSeq, lastSeen + 5);
      assert.equal(stream.frames[0]?.type, 'ready');
      const replayed = stream.frames.slice(1, stream.frames.indexOf(resumed));
      assert.deepEqual(replayed.map((f) => f.type === 'event' && f.seq), range(lastSeen + 1, lastSeen + 5), 'only the missed events, in order, before resumed');
      assert.deepEqual(
        replayed.map((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.message.id),
        missed.map((m) => m.id),
      );

      const live = await sendMany(2, 'live');
      await stream.event(team.channelId, live.at(-1)!.seq);
      await sleep(QUIET_MS);
      assert.deepEqual(seqsOf(stream.events(team.channelId)), range(lastSeen + 1, lastSeen + 7));
      assert.ok(stream.frames.indexOf(resumed) < stream.frames.findIndex((f) => f.type === 'event' && f.seq === lastSeen + 6), 'live after resumed');
      assert.deepEqual(stream.malformed, []);
      await stream.close();
    });

    it('a resume while messages keep arriving leaves no gap and no duplicate at the replay/live seam', async () => {
      const start = await head();
      const writing = (async () => {
        let seq = start;
        for (let i = 0; i < 40; i++) seq = (await sendMessage(server.ctx, team.owner.user.id, team.channelId, { body: `stream ${i}` })).message.seq;
        return seq;
      })();
      await sleep(20);
      const stream = await TestStream.open(reader().client, { [team.channelId]: start });
      const last = await writing;
      await stream.event(team.channelId, last);
      await sleep(QUIET_MS);
      assert.deepEqual(seqsOf(stream.events(team.channelId)), range(start + 1, last));
      await stream.close();
    });

    it('a REST send with no resume appears live; a channel one is not in gets an error frame', async () => {
      const secret = await createChannel(team.owner, team.workspaceId, name('not-for-reader'), { kind: 'private' });
      const stream = await TestStream.live(reader().client);
      const [m] = await sendMany(1, 'plain live');
      const got = await stream.event(team.channelId, m!.seq);
      assert.equal(got.event.type === 'message.created' && got.event.message.body, 'plain live 0');
      await stream.close();

      const refused = await TestStream.open(reader().client, { [secret]: 0 });
      assert.equal((await refused.next('error')).code, 'NOT_FOUND');
      await refused.close();
    });

    it('removal from a channel ends its events on the stream after member.left; other channels keep flowing', async () => {
      const bob = await newWorkspaceMember(server, team);
      const privateId = await createChannel(team.owner, team.workspaceId, name('private'), { kind: 'private', memberIds: [bob.user.id] });
      const general = await createChannel(team.owner, team.workspaceId, name('general'), { memberIds: [bob.user.id] });
      const stream = await TestStream.live(bob.client);
      const before = await send(team.owner, privateId, 'bob may read this');
      await stream.event(privateId, before.seq);

      const res = await team.owner.client.delete(`/api/v1/channels/${privateId}/members/${bob.user.id}`);
      assert.equal(res.status, 204, res.text);
      const left = await stream.next('event', (e) => e.channelId === privateId && e.event.type === 'member.left' && e.event.userId === bob.user.id);
      await send(team.owner, privateId, 'after bob left: secret');
      const control = await send(team.owner, general, 'still flowing');
      await stream.event(general, control.seq);
      await sleep(QUIET_MS);
      assert.deepEqual(seqsOf(stream.events(privateId)), [before.seq, left.seq], 'nothing after member.left');
      await stream.close();
    });

    it('typing over REST (204) reaches sockets and streams of the other members; non-members are refused', async () => {
      const [alice, bob] = team.members;
      const aliceStream = await TestStream.live(alice!.client);
      const bobSocket = await TestSocket.live(bob!.client);
      const res = await alice!.client.post(`/api/v1/channels/${team.channelId}/typing`);
      assert.equal(res.status, 204, res.text);
      assert.deepEqual(await bobSocket.next('typing'), { type: 'typing', channelId: team.channelId, userId: alice!.user.id });
      bobSocket.send({ type: 'typing', channelId: team.channelId });
      assert.deepEqual(await aliceStream.next('typing'), { type: 'typing', channelId: team.channelId, userId: bob!.user.id });

      const stranger = await newWorkspaceMember(server, team); // sees the public channel, is not in it
      assert.equal((await stranger.client.post(`/api/v1/channels/${team.channelId}/typing`)).status, 403);
      const secret = await createChannel(team.owner, team.workspaceId, name('typing-secret'), { kind: 'private' });
      assert.equal((await alice!.client.post(`/api/v1/channels/${secret}/typing`)).status, 404);
      await aliceStream.close();
      await bobSocket.close();
    });

    it('a stream counts for presence and carries presence, read and receipt frames', async () => {
      const carol = await newWorkspaceMember(server, team);
      await carol.client.post(`/api/v1/channels/${team.channelId}/join`);
      const watcher = await TestStream.live(team.owner.client);
      const stream = await TestStream.live(carol.client);
      await watcher.next('presence', (f) => f.userId === carol.user.id && f.status === 'online');

      const m = await send(team.owner, team.channelId, 'read me');
      const device = new TestClient(server.url);
      assert.equal((await device.post('/api/v1/auth/login', { username: carol.user.username, password: PASSWORD })).status, 200);
      assert.equal((await device.post(`/api/v1/channels/${team.channelId}/read`, { seq: m.seq })).status, 200);
      assert.deepEqual(await stream.next('read'), { type: 'read', channelId: team.channelId, lastReadSeq: m.seq });
      assert.deepEqual(await watcher.next('receipt'), { type: 'receipt', channelId: team.channelId, userId: carol.user.id, lastReadSeq: m.seq });

      await stream.close();
      await watcher.next('presence', (f) => f.userId === carol.user.id && f.status === 'offline', { timeoutMs: GRACE_MS * 10 });
      assert.deepEqual(watcher.malformed, []);
      await watcher.close();
    });

    it(`sends a ": ping" comment every SSE_HEARTBEAT_MS (${HEARTBEAT_MS} ms here)`, async () => {
      const stream = await TestStream.live(reader().client);
      await sleep(HEARTBEAT_MS * 4);
      assert.ok(stream.comments.filter((c) => c === 'ping').length >= 2, `comments: ${stream.comments.join(', ')}`);
      await stream.close();
    });
  });
}

describe('Server-Sent Events fallback: stalled readers and shutdown', () => {
  let server: TestServer;
  let team: Team;

  before(async () => {
    server = await startTestServer();
    team = await setUpTeam(server, 2);
  });
  after(() => server.close());

  it('a stream that stops reading is cut off while a reading one gets everything; what it got is a gap-free prefix', async () => {
    const start = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const slow = await TestStream.live(team.members[0]!.client);
    const reading = await TestStream.live(team.members[1]!.client);
    slow.pause();

    const body = 'x'.repeat(9000);
    let sent = 0;
    while ((await metric(server, 'relaydesk_ws_slow_consumer_disconnects_total')) < 1) {
      assert.ok(sent < 3000, `not cut off after ${sent} messages of 9,000 characters`);
      for (let i = 0; i < 50; i++, sent++) await sendMessage(server.ctx, team.owner.user.id, team.channelId, { body: `${body} ${sent}` });
    }
    const last = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    slow.resume();
    await slow.waitForEnd(5000);
    const got = seqsOf(slow.events(team.channelId));
    assert.ok(got.length < sent, 'it was cut off');
    assert.deepEqual(got, range(start + 1, start + got.length));

    await reading.event(team.channelId, last, 8000);
    assert.deepEqual(seqsOf(reading.events(team.channelId)), range(start + 1, last));
    assert.equal(reading.isEnded, false);
    assert.equal(await metric(server, 'relaydesk_sse_streams'), 1);
    await reading.close();
  });

  it('closing the server ends open streams (clients reconnect and resume)', async () => {
    const stream = await TestStream.live(team.members[0]!.client);
    await server.close();
    await stream.waitForEnd(3000);
    assert.ok(stream.comments.some((c) => c.startsWith('close 1012')), `comments: ${stream.comments.join(', ')}`);
  });
});
