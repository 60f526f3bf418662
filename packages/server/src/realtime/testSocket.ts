import type { Socket } from 'node:net';
import WebSocket from 'ws';
import Value from 'typebox/value';
import { ServerFrame, type ClientFrame } from '@relaydesk/protocol';
import { TEST_ORIGIN } from '../testing/testServer.js';
import type { TestClient } from '../testing/httpClient.js';

/** Test helper (not shipped behaviour): a WebSocket client that records every server frame. */

export type FrameOf<K extends ServerFrame['type']> = Extract<ServerFrame, { type: K }>;
export type EventFrame = FrameOf<'event'>;

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

interface Waiter {
  from: number;
  match: (f: ServerFrame) => boolean;
  resolve: (f: ServerFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A fresh single-use ticket for the signed-in user of `client`. */
export async function ticketFor(client: TestClient): Promise<string> {
  const res = await client.post('/api/v1/auth/ws-ticket');
  if (res.status !== 200) throw new Error(`ws-ticket: ${res.status} ${res.text}`);
  return res.body.ticket as string;
}

export class TestSocket {
  readonly ws: WebSocket;
  /** Every frame received, in order. */
  readonly frames: ServerFrame[] = [];
  /** Frames that did not match the protocol's ServerFrame schema (should stay empty). */
  readonly malformed: unknown[] = [];
  /** Set once the socket is closed. */
  closeInfo: CloseInfo | undefined;
  readonly opened: Promise<void>;
  readonly closed: Promise<CloseInfo>;
  private readonly waiters = new Set<Waiter>();

  constructor(baseUrl: string, ticket: string | null, options: SocketOptions = {}) {
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
        for (const w of this.waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`socket closed (${code} ${reason.toString()}) while waiting; frames: ${this.describe()}`));
        }
        this.waiters.clear();
        resolve(this.closeInfo);
      });
    });
    this.ws.on('error', () => undefined);
    this.ws.on('message', (data, isBinary) => {
      const parsed: unknown = isBinary ? data : JSON.parse(data.toString());
      if (!Value.Check(ServerFrame, parsed)) this.malformed.push(parsed);
      const f = parsed as ServerFrame;
      this.frames.push(f);
      for (const w of this.waiters) {
        if (this.frames.length - 1 >= w.from && w.match(f)) {
          clearTimeout(w.timer);
          this.waiters.delete(w);
          w.resolve(f);
        }
      }
    });
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

  /** The first frame (at index `from` or later, default 0) matching `match`, waiting up to `timeoutMs`. */
  waitFor(match: (f: ServerFrame) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<ServerFrame> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? 5000;
    const found = this.frames.slice(from).find(match);
    if (found) return Promise.resolve(found);
    if (this.closeInfo) return Promise.reject(new Error(`socket already closed (${this.closeInfo.code}); frames: ${this.describe()}`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        from,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`no matching frame within ${timeoutMs} ms; frames: ${this.describe()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits until `count` frames (from index `from`) match; returns them. */
  async waitForCount(match: (f: ServerFrame) => boolean, count: number, options: { from?: number; timeoutMs?: number } = {}): Promise<ServerFrame[]> {
    const from = options.from ?? 0;
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    for (;;) {
      const found = this.frames.slice(from).filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${found.length} of ${count} matching frames; frames: ${this.describe()}`);
      const seen = this.frames.length;
      await this.waitFor((f) => match(f), { from: seen, timeoutMs: left });
    }
  }

  /** The first frame of a type (optionally matching `match`). */
  async next<K extends ServerFrame['type']>(type: K, match: (f: FrameOf<K>) => boolean = () => true, options: { from?: number; timeoutMs?: number } = {}): Promise<FrameOf<K>> {
    return (await this.waitFor((f) => f.type === type && match(f as FrameOf<K>), options)) as FrameOf<K>;
  }

  /** Waits for the event of `channelId` with this seq. */
  event(channelId: string, seq: number, timeoutMs = 5000): Promise<EventFrame> {
    return this.next('event', (f) => f.channelId === channelId && f.seq === seq, { timeoutMs });
  }

  /** Every `event` frame received (for one channel when given), in arrival order. */
  events(channelId?: string): EventFrame[] {
    return this.frames.filter((f): f is EventFrame => f.type === 'event' && (channelId === undefined || f.channelId === channelId));
  }

  /** The `message.created` events of a channel for one message id. */
  created(channelId: string, messageId: string): EventFrame[] {
    return this.events(channelId).filter((e) => e.event.type === 'message.created' && e.event.message.id === messageId);
  }

  ofType<K extends ServerFrame['type']>(type: K): FrameOf<K>[] {
    return this.frames.filter((f): f is FrameOf<K> => f.type === type);
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

  private describe(): string {
    const tail = this.frames.slice(-8).map((f) => JSON.stringify(f).slice(0, 200));
    return `${this.frames.length} received; last: ${tail.join(' | ')}`;
  }
}
