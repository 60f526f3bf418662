import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { WebSocketConstructor } from '@relaydesk/client';
import { startTestServer, type TestServer } from '@relaydesk/server/dist/testing/testServer.js';
import { followFromHead, record, twoMembers, until } from '../support/sdk.js';

/** A network that blocks WebSockets until `unblock()`: connections go to a closed port meanwhile. */
function blockableWebSocket() {
  const network = { blocked: true };
  const Ctor = class extends WebSocket {
    constructor(url: string) {
      super(network.blocked ? 'ws://127.0.0.1:1/ws' : url);
    }
  };
  return { WebSocket: Ctor as unknown as WebSocketConstructor, unblock: () => (network.blocked = false) };
}

describe('SDK: the HTTP event stream when WebSockets are blocked (sqlite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  // After the SDK aborts its stream (on getting the socket back), Node's fetch leaves a spare
  // connection that never carries a request; close() must not wait for it (it once did, ~70 s).
  after(async () => {
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 5000, `close() took ${Date.now() - started} ms`);
  });

  it('streams over HTTP from the cursors, sends over REST, and moves back to the socket without loss or duplicates', async () => {
    const ws = blockableWebSocket();
    const { alice, bob, channelId } = await twoMembers(server.url, {}, { WebSocket: ws.WebSocket, fallbackAfterFailures: 2, backoff: { baseMs: 20, capMs: 100 } });
    const head = await followFromHead(bob, channelId);
    const b = record(bob);
    const receiver = bob.realtime;
    await alice.api.channels.send(channelId, { body: 'before the stream' });
    receiver.start();
    await until(() => receiver.state === 'fallback', 'the fallback');
    await until(() => b.events.length === 1, 'the replay over the stream');

    await alice.api.channels.send(channelId, { body: 'live over the stream' });
    await until(() => b.events.length === 2, 'a live event over the stream');
    await bob.outbox.enqueue({ channelId, body: 'from bob in fallback' });
    await until(() => b.events.length === 3 && bob.outbox.list().length === 0, "bob's own message, sent over REST");

    ws.unblock();
    await until(() => receiver.state === 'online', 'back on the WebSocket');
    await alice.api.channels.send(channelId, { body: 'over the socket' });
    await until(() => b.events.length === 4, 'a live event over the socket');

    assert.deepEqual(b.events.map((e) => e.seq), [1, 2, 3, 4].map((i) => head + i));
    const bodies = b.events.map((e) => (e.event.type === 'message.created' ? e.event.message.body : e.event.type));
    assert.deepEqual(bodies, ['before the stream', 'live over the stream', 'from bob in fallback', 'over the socket']);
    assert.deepEqual(b.states, ['connecting', 'fallback', 'online']);
    receiver.stop();
  });
});
