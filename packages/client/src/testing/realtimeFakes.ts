import type { EventPage, RelayDeskApi } from '../api.js';
import type { WebSocketConstructor, WebSocketLike } from '../realtime.js';

/** A WebSocket the test plays the server of: it records what the client sends and injects frames. */
export class FakeSocket implements WebSocketLike {
  readyState = 1;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  onopen: ((ev: never) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** A frame from the server. */
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  ready(): void {
    this.receive({ type: 'ready', v: 1, userId: 'u1', heartbeatMs: 30_000 });
  }
  /** The server (or the network) closes the connection. */
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

/** A WebSocket constructor whose instances the test can reach. */
export function fakeWebSocket(): { WebSocket: WebSocketConstructor; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  const WebSocket = class extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  };
  return { WebSocket, sockets };
}

export interface FakeApiOptions {
  /** The change feed; defaults to an empty page. */
  events?: (channelId: string, after: number, limit?: number) => Promise<EventPage>;
  /** Fails the ticket request with this error when set. */
  ticketError?: () => Error | undefined;
  /** The SSE fallback stream. */
  open?: (method: string, path: string, options: { query?: Record<string, unknown>; signal?: AbortSignal }) => Promise<Response>;
}

/** The few API calls the real-time client makes, recorded. */
export function fakeApi(options: FakeApiOptions = {}) {
  const calls = { tickets: 0, events: [] as { channelId: string; after: number; limit: number | undefined }[], opens: [] as string[] };
  const api = {
    http: {
      baseUrl: 'http://chat.test',
      open: async (method: string, path: string, o: { query?: Record<string, unknown>; signal?: AbortSignal }) => {
        calls.opens.push(`${method} ${path}?resume=${String(o.query?.resume)}`);
        if (!options.open) throw new Error('no stream');
        return options.open(method, path, o);
      },
    },
    auth: {
      wsTicket: async () => {
        calls.tickets += 1;
        const error = options.ticketError?.();
        if (error) throw error;
        return { ticket: `t${calls.tickets}`, expiresAt: new Date().toISOString() };
      },
    },
    channels: {
      events: async (channelId: string, after: number, limit?: number) => {
        calls.events.push({ channelId, after, limit });
        return options.events ? options.events(channelId, after, limit) : { events: [], lastSeq: after };
      },
      typing: async () => undefined,
    },
  };
  return { api: api as unknown as RelayDeskApi, calls };
}

/** A durable change as the change feed and the `event` frame carry it (a valid one: frames are validated). */
export function storedEvent(channelId: string, seq: number) {
  return { channelId, seq, actorId: 'u2', at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), event: { type: 'pin.added' as const, messageId: `m${seq}` } };
}
export const eventFrame = (channelId: string, seq: number) => ({ type: 'event', ...storedEvent(channelId, seq) });

// setImmediate, not setTimeout: these keep working while a test mocks setTimeout.
const turn = () => new Promise((r) => setImmediate(r));

/** Lets pending promise callbacks and zero-delay timers run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await turn();
}

/** Waits (briefly) until the condition holds. */
export async function until(condition: () => boolean, what = 'condition', timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await turn();
  }
}
