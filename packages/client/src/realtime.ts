import Value from 'typebox/value';
import { ServerFrame, CloseCodes } from '@relaydesk/protocol';
import type { ClientFrame, StoredChannelEvent } from '@relaydesk/protocol';
import type { RelayDeskApi } from './api.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ChannelCursors } from './cursors.js';
import { Emitter } from './emitter.js';
import { ApiError, SessionEndedError } from './errors.js';
import { readSse } from './sseReader.js';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'fallback';

/** The part of the WebSocket API used here: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: never) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

type Frame = ServerFrame;
type Op = DistributiveOmit<Exclude<ClientFrame, { type: 'resume' | 'typing' }>, 'ref'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Ack = Extract<Frame, { type: 'ack' }>;

export interface RealtimeOptions {
  api: RelayDeskApi;
  /** e.g. `ws://127.0.0.1:3000/ws`; defaults to the page's origin. */
  wsUrl?: string;
  WebSocket?: WebSocketConstructor;
  cursors?: ChannelCursors;
  backoff?: BackoffOptions;
  /** After this many WebSocket attempts in a row that never got `ready`, stream over HTTP meanwhile. */
  fallbackAfterFailures?: number;
  /** Client-side dead-server detection: ping this often, give up after `pongTimeoutMs`. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Follow the browser's online/offline events (default: when `window` exists). */
  watchNetwork?: boolean;
}

type RealtimeEvents = {
  state: [ConnectionState];
  /** A durable change, exactly once and in order per channel. */
  event: [StoredChannelEvent];
  /** The client is too far behind in a channel: reload its history, then continue from lastSeq. */
  reset: [channelId: string, lastSeq: number];
  /** Every other server frame (typing, read, presence, receipt…). */
  frame: [Frame];
  sessionEnded: [];
};

/** Close codes after which retrying cannot help. */
const FATAL_CLOSES = new Set<number>([CloseCodes.forbiddenOrigin, 1008, 1009]);

/**
 * The real-time connection: WebSocket first, resumed from the client's cursors after every
 * reconnect, with an HTTP event stream as a fallback for networks that block WebSockets.
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  state: ConnectionState = 'offline';
  readonly cursors: ChannelCursors;
  private readonly api: RelayDeskApi;
  private readonly options: RealtimeOptions;
  private readonly backoff: Backoff;
  private readonly streamBackoff: Backoff;
  private socket: WebSocketLike | null = null;
  private stream: AbortController | null = null;
  private streamLive = false;
  private stopped = true;
  private networkDown = false;
  private failures = 0;
  private refs = 0;
  private readonly pending = new Map<string, { resolve: (f: Ack) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly chains = new Map<string, Promise<void>>();
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private unwatchNetwork: (() => void) | null = null;

  constructor(options: RealtimeOptions) {
    super();
    this.options = options;
    this.api = options.api;
    this.cursors = options.cursors ?? new ChannelCursors();
    this.backoff = new Backoff(options.backoff);
    this.streamBackoff = new Backoff(options.backoff);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.options.watchNetwork ?? typeof window !== 'undefined') this.watchNetwork();
    this.setState('connecting');
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.unwatchNetwork?.();
    this.teardownSocket(1000);
    this.stopStream();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.setState('offline');
  }

  /** Sends an operation and resolves with its `ack` (rejects with the server's error code). */
  request(op: Op): Promise<Ack> {
    const socket = this.socket;
    if (this.state !== 'online' || !socket) return Promise.reject(new ApiError(0, 'NETWORK_ERROR', 'Not connected'));
    const ref = `r${++this.refs}`;
    return new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new ApiError(0, 'NETWORK_ERROR', 'No answer from the server'));
      }, this.options.requestTimeoutMs ?? 15_000);
      this.pending.set(ref, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...op, ref }));
    });
  }

  /** "I am typing": over the socket when online, over REST in fallback; best effort either way. */
  typing(channelId: string): void {
    if (this.state === 'online') this.socket?.send(JSON.stringify({ type: 'typing', channelId }));
    else if (this.state === 'fallback') this.api.channels.typing(channelId).catch(() => undefined);
  }

  setPresence(status: 'active' | 'away'): void {
    if (this.state === 'online') this.socket?.send(JSON.stringify({ type: 'presence', status }));
  }

  // --- WebSocket ---------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.stopped || this.networkDown || this.socket) return;
    let ticket: string;
    try {
      ticket = (await this.api.auth.wsTicket()).ticket;
    } catch (e) {
      if (e instanceof SessionEndedError) return this.endSession();
      return this.failed(0);
    }
    if (this.stopped || this.networkDown || this.socket) return;
    const Ctor = this.options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor);
    const socket = new Ctor(`${this.wsUrl()}?ticket=${encodeURIComponent(ticket)}`);
    this.socket = socket;
    let ready = false;
    socket.onmessage = (ev) => {
      const f = this.parse(ev.data);
      if (!f) return;
      if (f.type === 'ready') {
        ready = true;
        this.onReady(socket);
      }
      this.dispatch(f);
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.teardownSocket();
      if (FATAL_CLOSES.has(ev.code)) return this.fatal();
      if (!ready) return this.failed(ev.code === 1013 ? retryHint(ev.reason) : 0);
      this.setState(this.streamLive ? 'fallback' : 'reconnecting');
      this.schedule(() => this.connect(), this.backoff.next(ev.code === 1013 ? retryHint(ev.reason) : 0));
    };
    socket.onerror = () => undefined; // onclose follows and decides
  }

  private onReady(socket: WebSocketLike): void {
    this.failures = 0;
    socket.send(JSON.stringify({ type: 'resume', channels: this.cursors.snapshot() }));
    this.stopStream();
    this.setState('online');
    this.schedule(() => {
      if (this.socket === socket) this.backoff.reset();
    }, this.backoff.stableMs);
    this.startPing(socket);
  }

  private failed(minimumMs: number): void {
    if (this.stopped) return;
    this.failures += 1;
    const threshold = this.options.fallbackAfterFailures ?? 3;
    if (this.failures >= threshold && !this.stream) this.startStream();
    if (!this.streamLive) this.setState(this.state === 'connecting' ? 'connecting' : 'reconnecting');
    this.schedule(() => this.connect(), this.backoff.next(minimumMs));
  }

  private startPing(socket: WebSocketLike): void {
    const interval = this.options.pingIntervalMs ?? 25_000;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    this.pingTimer = setInterval(() => {
      this.request({ type: 'ping' }).catch(() => undefined);
      const ref = `r${this.refs}`;
      this.schedule(() => {
        // No pong: the server or the path to it is gone even if TCP has not noticed yet.
        if (this.pending.has(ref) && this.socket === socket) socket.onclose?.({ code: 4000, reason: 'pong timeout' });
      }, timeout);
    }, interval);
  }

  private teardownSocket(code?: number): void {
    const socket = this.socket;
    this.socket = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    for (const [ref, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ApiError(0, 'NETWORK_ERROR', 'Connection lost'));
      this.pending.delete(ref);
    }
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      try {
        socket.close(code ?? 4000);
      } catch {
        // already closed
      }
    }
  }

  // --- HTTP event stream (fallback) ---------------------------------------------------------

  /** `fallback` is claimed only while the stream is actually delivering (after its `ready`). */
  private startStream(): void {
    const controller = new AbortController();
    this.stream = controller;
    void this.runStream(controller);
  }

  private async runStream(controller: AbortController): Promise<void> {
    while (this.stream === controller && !this.stopped) {
      try {
        const response = await this.api.http.open('GET', '/api/v1/realtime/stream', {
          query: { resume: JSON.stringify(this.cursors.snapshot()) },
          signal: controller.signal,
        });
        if (!response.body) throw new Error('no body');
        for await (const data of readSse(response.body)) {
          const f = this.parse(data);
          if (f?.type === 'ready' && this.stream === controller) {
            this.streamBackoff.reset();
            this.streamLive = true;
            this.setState('fallback');
          }
          if (f) this.dispatch(f);
        }
      } catch (e) {
        if (e instanceof SessionEndedError) return this.endSession();
      }
      if (this.stream !== controller) return;
      // The stream dropped: say so (a reconnect of the stream, when it comes, flushes the outbox again).
      this.streamLive = false;
      if (!this.socket) this.setState('reconnecting');
      await new Promise<void>((resolve) => this.schedule(() => resolve(), this.streamBackoff.next()));
    }
  }

  private stopStream(): void {
    this.stream?.abort();
    this.stream = null;
    this.streamLive = false;
  }

  // --- frames --------------------------------------------------------------------------------

  private parse(data: unknown): Frame | null {
    try {
      const f: unknown = JSON.parse(typeof data === 'string' ? data : String(data));
      // Validated on this end too: a frame that does not match the protocol is dropped, not half-used.
      return Value.Check(ServerFrame, f) ? (f as Frame) : null;
    } catch {
      return null;
    }
  }

  private dispatch(f: Frame): void {
    switch (f.type) {
      case 'event': {
        const { type: _t, ...stored } = f;
        return this.enqueue(stored.channelId, () => this.deliver(stored));
      }
      case 'reset':
        return this.enqueue(f.channelId, async () => {
          this.cursors.set(f.channelId, f.lastSeq);
          this.emit('reset', f.channelId, f.lastSeq);
        });
      case 'ack':
      case 'error': {
        const p = f.ref === undefined ? undefined : this.pending.get(f.ref);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(f.ref!);
          if (f.type === 'ack') p.resolve(f);
          else p.reject(new ApiError(0, f.code as ApiError['code'], f.message, null, [], f.retryAfterMs ?? null));
          return;
        }
        break;
      }
      case 'pong': {
        const p = f.ref === undefined ? undefined : this.pending.get(f.ref);
        if (p) {
          clearTimeout(p.timer);
          this.pending.delete(f.ref!);
          p.resolve({ type: 'ack', ref: f.ref });
        }
        return;
      }
    }
    this.emit('frame', f);
  }

  /** Events of one channel are handled one after another, so a gap fill finishes before the next. */
  private enqueue(channelId: string, task: () => Promise<void>): void {
    const next = (this.chains.get(channelId) ?? Promise.resolve()).then(task).catch(() => undefined);
    this.chains.set(channelId, next);
  }

  private async deliver(e: StoredChannelEvent): Promise<void> {
    const verdict = this.cursors.accept(e.channelId, e.seq);
    if (verdict === 'duplicate') return;
    if (verdict === 'gap') await this.fill(e.channelId, e.seq);
    if (verdict === 'gap' && this.cursors.accept(e.channelId, e.seq) !== 'apply') return;
    this.emit('event', e);
  }

  /** Fetches the changes missing before `upTo` from the change feed, in order. */
  private async fill(channelId: string, upTo: number): Promise<void> {
    for (;;) {
      const after = this.cursors.get(channelId) ?? 0;
      if (after >= upTo - 1) return;
      const page = await this.api.channels.events(channelId, after, Math.min(1000, upTo - 1 - after));
      const events = page.events.filter((e) => e.seq < upTo);
      if (events.length === 0) return;
      for (const e of events) if (this.cursors.accept(channelId, e.seq) === 'apply') this.emit('event', e);
    }
  }

  // --- plumbing ------------------------------------------------------------------------------

  private wsUrl(): string {
    if (this.options.wsUrl) return this.options.wsUrl;
    const base = this.api.http.baseUrl || (typeof location === 'undefined' ? '' : location.origin);
    return `${base.replace(/^http/, 'ws')}/ws`;
  }

  private schedule(fn: () => unknown, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private fatal(): void {
    this.stopStream();
    this.stopped = true;
    this.setState('offline');
  }

  private endSession(): void {
    this.stop();
    this.emit('sessionEnded');
  }

  private watchNetwork(): void {
    if (typeof window === 'undefined') return;
    const offline = () => {
      this.networkDown = true;
      this.teardownSocket(1000);
      this.stopStream();
      this.setState('offline');
    };
    const online = () => {
      // Nothing to do when stopped (or after a fatal close) or already connected/connecting.
      if (this.stopped || this.socket) return;
      this.networkDown = false;
      this.backoff.reset();
      this.failures = 0;
      if (!this.stream) this.setState('reconnecting');
      void this.connect();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    this.unwatchNetwork = () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    };
  }
}

/** A 1013 close may say how long to wait ("… retry in 3 s" / "retryAfterMs=3000"); 2 s otherwise. */
function retryHint(reason: string): number {
  const ms = /(\d+)\s*ms/i.exec(reason) ?? /retryAfterMs=(\d+)/.exec(reason);
  if (ms) return Number(ms[1]);
  const s = /(\d+)\s*s\b/.exec(reason);
  return s ? Number(s[1]) * 1000 : 2000;
}
