import type { OutFrame } from './frames.js';

/** What the batcher hands its frames to: a session, which writes them in one go. */
export interface BatchTarget {
  readonly isClosed: boolean;
  sendMany(frames: readonly OutFrame[]): void;
}

/**
 * Presence notices go out in batches, one socket write per connection per interval.
 *
 * When a thousand members of a workspace reconnect together (a restart, a network blip), every
 * arrival is a presence notice for every member already back: N²/2 frames, each its own write.
 * At 2,000 connections that took ~20 s of the event loop (against 4 s for the same connections
 * without presence). Presence is ephemeral and a change seen 100 ms later is still news, so the
 * notices for one connection wait for the interval and are written together; an idle server
 * runs no timer.
 */
export class NoticeBatcher {
  private pending = new Map<BatchTarget, OutFrame[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  add(target: BatchTarget, out: OutFrame): void {
    const frames = this.pending.get(target);
    if (frames) frames.push(out);
    else this.pending.set(target, [out]);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything pending now (also on shutdown, so nothing waits for a timer that will not come). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batches = this.pending;
    this.pending = new Map();
    for (const [target, frames] of batches) if (!target.isClosed) target.sendMany(frames);
  }
}
