import Value from 'typebox/value';
import { ServerFrame } from '@relaydesk/protocol';

/** Test helper (not shipped behaviour): what a WebSocket or SSE test client received, and waiting for it. */

export type FrameOf<K extends ServerFrame['type']> = Extract<ServerFrame, { type: K }>;
export type EventFrame = FrameOf<'event'>;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Waiter {
  from: number;
  match: (f: ServerFrame) => boolean;
  resolve: (f: ServerFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class FrameRecorder {
  /** Every frame received, in order. */
  readonly frames: ServerFrame[] = [];
  /** Frames that did not match the protocol's ServerFrame schema (should stay empty). */
  readonly malformed: unknown[] = [];
  private readonly waiters = new Set<Waiter>();
  /** Why no more frames will come (closed, ended), once that is so. */
  private finished: string | undefined;

  protected record(parsed: unknown): void {
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
  }

  /** No more frames will come: pending waits fail at once. */
  protected finish(why: string): void {
    this.finished = why;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`${why} while waiting; frames: ${this.describe()}`));
    }
    this.waiters.clear();
  }

  /** The first frame (at index `from` or later, default 0) matching `match`, waiting up to `timeoutMs`. */
  waitFor(match: (f: ServerFrame) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<ServerFrame> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? 5000;
    const found = this.frames.slice(from).find(match);
    if (found) return Promise.resolve(found);
    if (this.finished) return Promise.reject(new Error(`${this.finished} already; frames: ${this.describe()}`));
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

  protected describe(): string {
    const tail = this.frames.slice(-8).map((f) => JSON.stringify(f).slice(0, 200));
    return `${this.frames.length} received; last: ${tail.join(' | ')}`;
  }
}
