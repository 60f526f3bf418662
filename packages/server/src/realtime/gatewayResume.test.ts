import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RealtimeLimits, type Message } from '@relaydesk/protocol';
import { sendMessage } from '../actions/messageSender.js';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { createChannel, eventPage, send, setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, type EventFrame } from './testSocket.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqsOf = (events: EventFrame[]) => events.map((e) => e.seq);

for (const database of DATABASES) {
  describe(`WebSocket gateway: resume (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 1);
    });
    after(() => server.close());

    const reader = () => team.members[0]!;
    const head = async (channelId = team.channelId) => (await eventPage(team.owner, channelId, 0, 1)).lastSeq;
    const sendMany = async (n: number, channelId = team.channelId, tag = 'm'): Promise<Message[]> => {
      const out: Message[] = [];
      for (let i = 0; i < n; i++) out.push(await send(team.owner, channelId, `${tag} ${i}`));
      return out;
    };

    it('replays exactly the missed events in order, then resumed, then live ones, with no duplicates', async () => {
      const first = await TestSocket.live(reader().client);
      const seen = await sendMany(3, team.channelId, 'seen');
      await first.event(team.channelId, seen.at(-1)!.seq);
      const lastSeen = first.events(team.channelId).at(-1)!.seq;
      await first.close();

      const missed = await sendMany(5, team.channelId, 'missed');
      const second = await TestSocket.connect(reader().client);
      const from = second.frames.length;
      second.send({ type: 'resume', channels: { [team.channelId]: lastSeen } });
      const resumed = await second.next('resumed', (f) => f.channelId === team.channelId, { from });
      assert.equal(resumed.lastSeq, lastSeen + 5);
      const replayed = second.frames.slice(from, second.frames.indexOf(resumed));
      assert.deepEqual(replayed.map((f) => f.type === 'event' && f.seq), range(lastSeen + 1, lastSeen + 5), 'only the missed events, in order, before resumed');
      assert.deepEqual(
        replayed.map((f) => f.type === 'event' && f.event.type === 'message.created' && f.event.message.id),
        missed.map((m) => m.id),
      );

      const live = await sendMany(2, team.channelId, 'live');
      await second.event(team.channelId, live.at(-1)!.seq);
      await sleep(200);
      assert.deepEqual(seqsOf(second.events(team.channelId)), range(lastSeen + 1, lastSeen + 7));
      assert.ok(second.frames.indexOf(resumed) < second.frames.findIndex((f) => f.type === 'event' && f.seq === lastSeen + 6), 'live after resumed');
      assert.deepEqual(second.malformed, []);
      await second.close();
    });

    it('a resume with nothing missed answers resumed at the head and replays nothing', async () => {
      const h = await head();
      const socket = await TestSocket.connect(reader().client);
      await socket.resume({ [team.channelId]: h });
      assert.equal(socket.ofType('resumed')[0]?.lastSeq, h);
      assert.deepEqual(socket.events(), []);
      await socket.close();
    });

    it('a resume while messages keep arriving leaves no gap and no duplicate at the replay/live boundary', async () => {
      const start = await head();
      const writing = sendMany(30, team.channelId, 'stream');
      await sleep(30);
      const socket = await TestSocket.connect(reader().client);
      socket.send({ type: 'resume', channels: { [team.channelId]: start } });
      const written = await writing;
      await socket.event(team.channelId, written.at(-1)!.seq);
      await sleep(200);
      assert.deepEqual(seqsOf(socket.events(team.channelId)), range(start + 1, written.at(-1)!.seq));
      await socket.close();
    });

    it('before any resume or operation no live event is sent; a ping starts live delivery from the connection', async () => {
      const socket = await TestSocket.connect(reader().client);
      const [m] = await sendMany(1, team.channelId, 'while silent');
      await sleep(200);
      assert.deepEqual(socket.events(), [], 'nothing before the client said where it stands');
      await socket.roundTrip();
      await socket.event(team.channelId, m!.seq);
      await sleep(100);
      assert.deepEqual(seqsOf(socket.events(team.channelId)), [m!.seq]);
      await socket.close();
    });

    it('a resume pipelined with another operation still delivers every missed event once, in order', async () => {
      const lastSeen = await head();
      await sendMany(2, team.channelId, 'missed while away');
      const socket = await TestSocket.connect(reader().client);
      // A change committed after the socket opened, before the client resumes.
      const [late] = await sendMany(1, team.channelId, 'after open');
      await sleep(100);
      // A reconnecting client resumes and at once retries what was not acknowledged.
      socket.send({ type: 'resume', channels: { [team.channelId]: lastSeen } });
      const retry = await socket.request({ type: 'send', ref: 'retry', channelId: team.channelId, body: 'retried', clientMessageId: randomUUID() });
      assert.equal(retry.type, 'ack', JSON.stringify(retry));
      await socket.next('resumed');
      await socket.event(team.channelId, late!.seq + 1);
      await sleep(200);
      assert.deepEqual(seqsOf(socket.events(team.channelId)), range(lastSeen + 1, late!.seq + 1), 'each seq once, in order');
      await socket.close();
    });

    it('resuming two channels: a live event of the second during the replay of the first is delivered once, in order', async () => {
      const channelA = await createChannel(team.owner, team.workspaceId, `replay-a-${randomUUID().slice(0, 8)}`);
      const channelB = await createChannel(team.owner, team.workspaceId, `replay-b-${randomUUID().slice(0, 8)}`);
      for (const c of [channelA, channelB]) assert.equal((await reader().client.post(`/api/v1/channels/${c}/join`)).status, 200);
      const [a0, b0] = [await head(channelA), await head(channelB)];
      await sendMany(3, channelA, 'a missed');
      await sendMany(3, channelB, 'b missed');
      const socket = await TestSocket.connect(reader().client);
      const [afterOpen] = await sendMany(1, channelB, 'b after open');
      // A slow database: the replay of A takes a while (the reads are delayed, their results untouched).
      const events = server.ctx.storage.events;
      const after = events.after.bind(events);
      events.after = async (...args) => {
        await sleep(150);
        return after(...args);
      };
      try {
        const from = socket.frames.length;
        socket.send({ type: 'resume', channels: { [channelA]: a0, [channelB]: b0 } });
        await sleep(50);
        // B gets a message while A is being replayed.
        const [live] = await sendMany(1, channelB, 'b during replay of a');
        await socket.next('resumed', (f) => f.channelId === channelB, { from, timeoutMs: 5000 });
        await socket.event(channelB, live!.seq);
        assert.equal(live!.seq, afterOpen!.seq + 1);
      } finally {
        delete (events as Partial<typeof events>).after;
      }
      await sleep(200);
      assert.deepEqual(seqsOf(socket.events(channelA)), range(a0 + 1, a0 + 3));
      assert.deepEqual(seqsOf(socket.events(channelB)), range(b0 + 1, b0 + 5), 'channel B: each seq once, in order');
      await socket.close();
    });

    it('a resume exactly 1000 behind is replayed; 1001 behind gets reset with the head, then live from there', async () => {
      const channelId = await createChannel(team.owner, team.workspaceId, `busy-${randomUUID().slice(0, 8)}`);
      assert.equal((await reader().client.post(`/api/v1/channels/${channelId}/join`)).status, 200);
      const total = RealtimeLimits.maxReplay + 2;
      for (let i = 0; i < total; i += 25) {
        await Promise.all(range(i, Math.min(i + 24, total - 1)).map((n) => sendMessage(server.ctx, team.owner.user.id, channelId, { body: `bulk ${n}` })));
      }
      const h = await head(channelId);

      const replaying = await TestSocket.connect(reader().client);
      await replaying.resume({ [channelId]: h - RealtimeLimits.maxReplay }, 9000);
      assert.equal(replaying.ofType('reset').length, 0);
      assert.equal(replaying.ofType('resumed')[0]?.lastSeq, h);
      assert.deepEqual(seqsOf(replaying.events(channelId)), range(h - RealtimeLimits.maxReplay + 1, h));
      await replaying.close();

      const behind = await TestSocket.connect(reader().client);
      await behind.resume({ [channelId]: h - RealtimeLimits.maxReplay - 1 });
      const reset = behind.ofType('reset');
      assert.deepEqual(reset, [{ type: 'reset', channelId, lastSeq: h }]);
      assert.equal(behind.ofType('resumed').length, 0);
      assert.deepEqual(behind.events(channelId), [], 'nothing is replayed after a reset');
      const [next] = await sendMany(1, channelId, 'after reset');
      await behind.event(channelId, h + 1);
      assert.equal(next!.seq, h + 1);
      await sleep(100);
      assert.deepEqual(seqsOf(behind.events(channelId)), [h + 1]);
      await behind.close();
    });

    it('a resume ahead of the head gets reset; an unknown or foreign channel gets NOT_FOUND', async () => {
      const h = await head();
      const socket = await TestSocket.connect(reader().client);
      await socket.resume({ [team.channelId]: h + 50 });
      assert.deepEqual(socket.ofType('reset'), [{ type: 'reset', channelId: team.channelId, lastSeq: h }]);
      const other = await createChannel(team.owner, team.workspaceId, `private-${randomUUID().slice(0, 8)}`, { kind: 'private' });
      await send(team.owner, other, 'not for the reader');
      const from = socket.frames.length;
      socket.send({ type: 'resume', ref: 'foreign', channels: { [other]: 0, 'no-such-channel': 0 } });
      const errors = await socket.waitForCount((f) => f.type === 'error', 2, { from });
      for (const e of errors) assert.equal(e.type === 'error' && e.code, 'NOT_FOUND');
      for (const e of errors) assert.equal(e.type === 'error' && e.ref, 'foreign');
      await socket.roundTrip();
      assert.deepEqual(socket.events(other), []);
      await socket.close();
    });
  });
}
