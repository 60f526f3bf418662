import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RealtimeClient } from './realtime.js';
import { fakeApi, fakeWebSocket, settle, until } from './testing/realtimeFakes.js';

/** A stand-in for the browser's window, whose online/offline events the client follows. */
const global = globalThis as { window?: EventTarget };
let network: EventTarget;
const clients: RealtimeClient[] = [];
beforeEach(() => {
  network = global.window = new EventTarget();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
  delete global.window;
});

async function onlineClient() {
  const { WebSocket, sockets } = fakeWebSocket();
  const { api, calls } = fakeApi();
  const client = new RealtimeClient({ api, WebSocket, watchNetwork: true, backoff: { random: () => 0 } });
  clients.push(client);
  const states: string[] = [];
  client.on('state', (s) => states.push(s));
  client.start();
  await until(() => sockets.length === 1, 'the socket');
  sockets[0]!.ready();
  return { client, sockets, calls, states };
}

describe('RealtimeClient: the browser network events', () => {
  it('offline closes the socket and waits; online reconnects at once', async () => {
    const { client, sockets, states } = await onlineClient();
    network.dispatchEvent(new Event('offline'));
    assert.equal(client.state, 'offline');
    assert.equal(sockets[0]!.closedWith, 1000);
    await settle(10);
    assert.equal(sockets.length, 1, 'no attempt while the network is down');
    network.dispatchEvent(new Event('online'));
    await until(() => sockets.length === 2, 'a new socket');
    sockets[1]!.ready();
    assert.deepEqual(states, ['connecting', 'online', 'offline', 'reconnecting', 'online']);
  });

  it('an online event while connected changes nothing', async () => {
    const { client, sockets, calls, states } = await onlineClient();
    network.dispatchEvent(new Event('online'));
    await settle(10);
    assert.equal(client.state, 'online');
    assert.equal(calls.tickets, 1);
    assert.equal(sockets.length, 1);
    assert.deepEqual(states, ['connecting', 'online']);
  });

  it('after a fatal close, an online event does not pretend to reconnect', async () => {
    const { client, sockets, calls } = await onlineClient();
    sockets[0]!.drop(4003, 'forbidden origin');
    assert.equal(client.state, 'offline');
    network.dispatchEvent(new Event('online'));
    await settle(10);
    assert.equal(client.state, 'offline');
    assert.equal(calls.tickets, 1);
  });
});
