import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.js';
import { RealtimeClient } from './realtime.js';
import { eventFrame, fakeApi, fakeWebSocket, until } from './testing/realtimeFakes.js';

const clients: RealtimeClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
});

/** An SSE response whose events the test pushes. */
function sseResponse(signal: AbortSignal | undefined) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
  const push = (frame: unknown) => controller.enqueue(new TextEncoder().encode(`: ping\n\ndata: ${JSON.stringify(frame)}\n\n`));
  return { response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }), push };
}

describe('RealtimeClient: HTTP stream fallback', () => {
  it('after N failed WebSocket attempts it streams over HTTP from the cursors, and goes back to the socket when it can', async () => {
    let wsBlocked = true;
    let stream: ReturnType<typeof sseResponse> | undefined;
    let streamSignal: AbortSignal | undefined;
    const { WebSocket, sockets } = fakeWebSocket();
    const { api, calls } = fakeApi({
      ticketError: () => (wsBlocked ? new ApiError(0, 'NETWORK_ERROR', 'blocked') : undefined),
      open: async (_method, _path, o) => {
        streamSignal = o.signal;
        stream = sseResponse(o.signal);
        return stream.response;
      },
    });
    const client = new RealtimeClient({ api, WebSocket, watchNetwork: false, fallbackAfterFailures: 2, backoff: { baseMs: 5, random: () => 0.5 } });
    clients.push(client);
    const states: string[] = [];
    const seen: number[] = [];
    client.on('state', (s) => states.push(s));
    client.on('event', (e) => seen.push(e.seq));
    client.cursors.set('c1', 5);
    client.start();

    await until(() => stream !== undefined, 'the fallback stream');
    assert.equal(client.state, 'connecting', '"fallback" is claimed only once the stream delivers');
    assert.ok(calls.tickets >= 2);
    assert.deepEqual(calls.opens, ['GET /api/v1/realtime/stream?resume={"c1":5}']);
    stream!.push({ type: 'ready', v: 1, userId: 'u1', heartbeatMs: 30_000 });
    await until(() => client.state === 'fallback', 'fallback once the stream is ready');
    stream!.push(eventFrame('c1', 6));
    stream!.push(eventFrame('c1', 6));
    stream!.push(eventFrame('c1', 7));
    await until(() => seen.length === 2, 'events over the stream');

    wsBlocked = false;
    await until(() => sockets.length === 1, 'a WebSocket again');
    sockets[0]!.ready();
    assert.deepEqual(sockets[0]!.sent[0], { type: 'resume', channels: { c1: 7 } });
    assert.equal(client.state, 'online');
    assert.equal(streamSignal?.aborted, true, 'the stream is closed once the socket is up');
    sockets[0]!.receive(eventFrame('c1', 7));
    sockets[0]!.receive(eventFrame('c1', 8));
    await until(() => seen.length === 3, 'the live event');
    assert.deepEqual(seen, [6, 7, 8]);
    assert.deepEqual(states, ['connecting', 'fallback', 'online']);
  });
});
