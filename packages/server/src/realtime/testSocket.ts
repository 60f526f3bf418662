import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { ClientFrame } from '@relaydesk/protocol';
import { TEST_ORIGIN } from '../testing/testServer.js';
import type { TestClient } from '../testing/httpClient.js';
import { FrameRecorder, type FrameOf } from './testFrames.js';

export { sleep, type EventFrame, type FrameOf } from './testFrames.js';

/** Test helper (not shipped behaviour): a WebSocket client that records every server frame. */

export interface SocketOptions {
  /** The Origin header; `null` sends none (a server-side client). Default: the test origin. */
  origin?: string | null;
  /** Answer server pings (default true, like every real client). */
  autoPong?: boolean;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A fresh single-use ticket for the signed-in user of `client`. */
export async function ticketFor(client: TestClient): Promise<string> {
  const res = await client.post('/api/v1/auth/ws-ticket');
  if (res.status !== 200) throw new Error(`ws-ticket: ${res.status} ${res.text}`);
  return res.body.ticket as string;
}

export class TestSocket extends FrameRecorder {
  readonly ws: WebSocket;
  /** Set once the socket is closed. */
  closeInfo: CloseInfo | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseInfo>;

  constructor(baseUrl: string, ticket: string | null, options: SocketOptions = {}) {
    super();
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws${ticket === null ? '' : `?ticket=${encodeURIComponent(ticket)}`}`;
    const origin = options.origin === undefined ? TEST_ORIGIN : options.origin;
    this.ws = new WebSocket(url, { ...(origin === null ? {} : { origin }), autoPong: options.autoPong ?? true });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.finish(`socket closed (${code} ${reason.toString()})`);
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => this.record(isBinary ? data : JSON.parse(data.toString())));
  }

  /** Opens a socket for `client`'s user with a fresh ticket and waits for `ready`. */
  static async connect(client: TestClient, options: SocketOptions & { baseUrl?: string } = {}): Promise<TestSocket> {
    const socket = new TestSocket(options.baseUrl ?? client.baseUrl, await ticketFor(client), options);
    await socket.next('ready');
    return socket;
  }

  /** Connects and resumes (default: `resume {}`, i.e. live from now on), waiting for every `resumed`. */
  static async live(client: TestClient, channels: Record<string, number> = {}, options: SocketOptions & { baseUrl?: string } = {}): Promise<TestSocket> {
    const socket = await TestSocket.connect(client, options);
    await socket.resume(channels);
    return socket;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: ClientFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? false });
  }

  /** Sends `resume` and waits until every named channel is `resumed` (or `reset`); then a ping round trip. */
  async resume(channels: Record<string, number>, timeoutMs = 5000): Promise<void> {
    const from = this.frames.length;
    this.send({ type: 'resume', channels });
    for (const channelId of Object.keys(channels)) {
      await this.waitFor((f) => (f.type === 'resumed' || f.type === 'reset') && f.channelId === channelId, { from, timeoutMs });
    }
    await this.roundTrip();
  }

  /** A ping/pong round trip: every frame the server wrote before the pong has arrived. */
  async roundTrip(timeoutMs = 5000): Promise<void> {
    const ref = `rt-${Math.random().toString(36).slice(2)}`;
    const from = this.frames.length;
    this.send({ type: 'ping', ref });
    await this.waitFor((f) => (f.type === 'pong' || f.type === 'error') && f.ref === ref, { from, timeoutMs });
  }

  /** Sends a frame with `ref` and waits for the `ack` or `error` that echoes it. */
  async request(frame: ClientFrame & { ref: string }, timeoutMs = 5000): Promise<FrameOf<'ack'> | FrameOf<'error'>> {
    const from = this.frames.length;
    this.send(frame);
    return (await this.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.ref === frame.ref, { from, timeoutMs })) as FrameOf<'ack'> | FrameOf<'error'>;
  }

  /** Resolves with the close code and reason, or rejects after `timeoutMs`. */
  waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms; frames: ${this.describe()}`)), timeoutMs);
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  /** The raw TCP socket under the client (to stop reading: `.pause()`). */
  get tcp(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }

  /** Closes (normally) and waits for the close to complete. */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else this.ws.close(1000, 'test done');
    await this.waitForClose().catch(() => this.ws.terminate());
  }
}
