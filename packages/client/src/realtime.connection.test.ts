import { afterEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { RealtimeClient, type RealtimeOptions } from './realtime.js';
import { eventFrame, fakeApi, fakeWebSocket, settle, until } from './testing/realtimeFakes.js';

const clients: RealtimeClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
  mock.timers.reset();
});

/** Reconnects at once (random 0) unless a test says otherwise. */
function setup(options: Partial<RealtimeOptions> = {}, apiOptions: Parameters<typeof fakeApi>[0] = {}) {
  const { WebSocket, sockets } = fakeWebSocket();
  const { api, calls } = fakeApi(apiOptions);
  const client = new RealtimeClient({ api, WebSocket, watchNetwork: false, backoff: { random: () => 0 }, ...options });
  clients.push(client);
  const states: string[] = [];
  client.on('state', (s) => states.push(s));
  return { client, sockets, calls, states };
}

describe('RealtimeClient: connection', () => {
  it('connects with a fresh ticket, sends nothing before ready, then resume with the cursors', async () => {
    const { client, sockets, calls } = setup();
    client.cursors.set('c1', 118);
    client.cursors.set('c9', 40);
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    assert.equal(sockets[0]!.url, 'ws://chat.test/ws?ticket=t1');
    assert.equal(calls.tickets, 1);
    assert.deepEqual(sockets[0]!.sent, []);
    sockets[0]!.ready();
    assert.deepEqual(sockets[0]!.sent, [{ type: 'resume', channels: { c1: 118, c9: 40 } }]);
  });

  it('connecting → online → reconnecting → online, resuming from what was received; stop → offline', async () => {
    const { client, sockets, calls, states } = setup();
    client.cursors.set('c1', 5);
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    assert.equal(client.state, 'connecting');
    sockets[0]!.ready();
    assert.equal(client.state, 'online');
    sockets[0]!.receive(eventFrame('c1', 6));
    sockets[0]!.receive(eventFrame('c1', 7));
    await settle();
    sockets[0]!.drop(1012, 'server restarting');
    assert.equal(client.state, 'reconnecting');
    await until(() => sockets.length === 2, 'a second socket');
    assert.equal(calls.tickets, 2, 'a ticket is single use: a new one per connection');
    sockets[1]!.ready();
    assert.deepEqual(sockets[1]!.sent[0], { type: 'resume', channels: { c1: 7 } });
    client.stop();
    assert.deepEqual(states, ['connecting', 'online', 'reconnecting', 'online', 'offline']);
    assert.equal(sockets[1]!.closedWith, 1000);
  });

  it('a close with 4003 (forbidden origin) is final: offline, no retry', async () => {
    const { client, sockets, calls, states } = setup();
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    sockets[0]!.drop(4003, 'forbidden origin');
    await settle(20);
    assert.equal(client.state, 'offline');
    assert.equal(sockets.length, 1);
    assert.equal(calls.tickets, 1);
    assert.deepEqual(states, ['connecting', 'offline']);
  });

  it('4001 (bad ticket) is retried with a new ticket', async () => {
    const { client, sockets, calls } = setup();
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    sockets[0]!.drop(4001, 'invalid ticket');
    await until(() => sockets.length === 2, 'a second socket');
    assert.equal(calls.tickets, 2);
    assert.equal(sockets[1]!.url, 'ws://chat.test/ws?ticket=t2');
  });

  it("1013 (busy) waits at least the server's hint before trying again", async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const { client, sockets } = setup();
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    sockets[0]!.drop(1013, 'busy: retryAfterMs=5000');
    mock.timers.tick(4999);
    await settle();
    assert.equal(sockets.length, 1, 'not before the hint');
    mock.timers.tick(1);
    await until(() => sockets.length === 2, 'a second socket after the hint');
  });

  it('operations resolve with their ack, reject with the error code, and reject when the socket drops', async () => {
    const { client, sockets } = setup();
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    const socket = sockets[0]!;
    socket.ready();
    const sent = client.request({ type: 'read', channelId: 'c1', seq: 3 });
    const refused = client.request({ type: 'delete', messageId: 'm1' });
    const lost = client.request({ type: 'read', channelId: 'c1', seq: 4 });
    const [a, b] = socket.sent.slice(1) as { ref: string }[];
    socket.receive({ type: 'error', ref: b!.ref, code: 'FORBIDDEN', message: 'no' });
    socket.receive({ type: 'ack', ref: a!.ref, lastReadSeq: 3 });
    assert.deepEqual(await sent, { type: 'ack', ref: a!.ref, lastReadSeq: 3 });
    await assert.rejects(refused, { code: 'FORBIDDEN' });
    socket.drop(1006);
    await assert.rejects(lost, { code: 'NETWORK_ERROR' });
    await assert.rejects(client.request({ type: 'ping' }), { code: 'NETWORK_ERROR' }, 'not connected');
  });

  it('a server that stops answering pings is treated as gone: reconnect', async () => {
    const { client, sockets } = setup({ pingIntervalMs: 10, pongTimeoutMs: 10 });
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    sockets[0]!.ready();
    await until(() => sockets[0]!.sent.some((f) => f.type === 'ping'), 'a ping');
    await until(() => sockets.length === 2, 'a new socket after the pong timeout');
    assert.equal(sockets[0]!.closedWith, 4000);
    assert.equal(client.state, 'reconnecting');
  });

  it('a server that answers pings keeps the connection', async () => {
    const { client, sockets } = setup({ pingIntervalMs: 10, pongTimeoutMs: 15 });
    client.start();
    await until(() => sockets.length === 1, 'the socket');
    const socket = sockets[0]!;
    const send = socket.send.bind(socket);
    socket.send = (data: string) => {
      send(data);
      const f = JSON.parse(data) as { type: string; ref?: string };
      if (f.type === 'ping') queueMicrotask(() => socket.receive({ type: 'pong', ref: f.ref }));
    };
    socket.ready();
    await until(() => socket.sent.filter((f) => f.type === 'ping').length >= 4, 'four pings');
    assert.equal(sockets.length, 1);
    assert.equal(client.state, 'online');
  });
});
