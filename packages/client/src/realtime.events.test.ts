import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { EventPage } from './api.js';
import { RealtimeClient } from './realtime.js';
import { eventFrame, fakeApi, fakeWebSocket, settle, storedEvent, until, type FakeApiOptions } from './testing/realtimeFakes.js';

const clients: RealtimeClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
});

/** A client online on a fake socket, its cursors at `cursors`, recording the events it emits. */
async function online(cursors: Record<string, number>, apiOptions: FakeApiOptions = {}) {
  const { WebSocket, sockets } = fakeWebSocket();
  const { api, calls } = fakeApi(apiOptions);
  const client = new RealtimeClient({ api, WebSocket, watchNetwork: false });
  clients.push(client);
  for (const [id, seq] of Object.entries(cursors)) client.cursors.set(id, seq);
  const seen: string[] = [];
  client.on('event', (e) => seen.push(`${e.channelId}:${e.seq}`));
  client.start();
  await until(() => sockets.length === 1, 'the socket');
  const socket = sockets[0]!;
  socket.ready();
  return { client, socket, seen, calls };
}

describe('RealtimeClient: every event once, in order', () => {
  it('drops duplicates: replayed and repeated events are emitted once', async () => {
    const { socket, seen } = await online({ c1: 5 });
    for (const seq of [4, 5, 6, 6, 7, 5, 7]) socket.receive(eventFrame('c1', seq));
    await settle();
    assert.deepEqual(seen, ['c1:6', 'c1:7']);
  });

  it('emits the event payload without the frame type', async () => {
    const { client, socket } = await online({ c1: 0 });
    const got: StoredChannelEvent[] = [];
    client.on('event', (e) => got.push(e));
    socket.receive(eventFrame('c1', 1));
    await settle();
    assert.deepEqual(got, [storedEvent('c1', 1)]);
  });

  it('fills a gap from the change feed, in order, before the event that revealed it, and holds later events meanwhile', async () => {
    let answer!: (page: EventPage) => void;
    const { socket, seen, calls } = await online({ c1: 5, c2: 1 }, { events: () => new Promise((resolve) => (answer = resolve)) });
    socket.receive(eventFrame('c1', 9));
    socket.receive(eventFrame('c1', 10));
    socket.receive(eventFrame('c2', 2)); // another channel is not held up
    await until(() => calls.events.length === 1, 'the change-feed request');
    assert.deepEqual(calls.events, [{ channelId: 'c1', after: 5, limit: 3 }]);
    await settle();
    assert.deepEqual(seen, ['c2:2'], 'nothing of c1 before the gap is filled');
    answer({ events: [6, 7, 8].map((s) => storedEvent('c1', s)), lastSeq: 10 });
    await settle();
    assert.deepEqual(seen, ['c2:2', 'c1:6', 'c1:7', 'c1:8', 'c1:9', 'c1:10']);
  });

  it('a gap larger than one page is filled page by page', async () => {
    const feed = (channelId: string, after: number, limit = 1000) => {
      const upTo = Math.min(after + limit, after + 2); // the server answers 2 at a time
      return Promise.resolve({ events: Array.from({ length: upTo - after }, (_, i) => storedEvent(channelId, after + 1 + i)), lastSeq: 20 });
    };
    const { socket, seen, calls } = await online({ c1: 0 }, { events: feed });
    socket.receive(eventFrame('c1', 6));
    await until(() => seen.length === 6, 'six events');
    assert.deepEqual(seen, ['c1:1', 'c1:2', 'c1:3', 'c1:4', 'c1:5', 'c1:6']);
    assert.deepEqual(calls.events.map((c) => c.after), [0, 2, 4]);
  });

  it('a reset frame moves the cursor, emits reset, and continues from its lastSeq', async () => {
    const { client, socket, seen, calls } = await online({ c1: 3 });
    const resets: [string, number][] = [];
    client.on('reset', (id, seq) => resets.push([id, seq]));
    socket.receive({ type: 'reset', channelId: 'c1', lastSeq: 2400 });
    socket.receive(eventFrame('c1', 2400));
    socket.receive(eventFrame('c1', 2401));
    await settle();
    assert.deepEqual(resets, [['c1', 2400]]);
    assert.equal(client.cursors.get('c1'), 2401);
    assert.deepEqual(seen, ['c1:2401']);
    assert.deepEqual(calls.events, [], 'no change-feed fill: the app reloads history instead');
  });

  it('frames that do not match the protocol are dropped; other frames go to "frame" listeners', async () => {
    const { client, socket, seen } = await online({ c1: 0 });
    const frames: string[] = [];
    client.on('frame', (f) => frames.push(f.type));
    socket.receive({ type: 'event', channelId: 'c1', seq: 'one' });
    socket.onmessage?.({ data: 'not json' });
    socket.receive({ type: 'typing', channelId: 'c1', userId: 'u2' });
    socket.receive(eventFrame('c1', 1));
    await settle();
    assert.deepEqual(seen, ['c1:1']);
    assert.deepEqual(frames, ['typing']);
  });
});
