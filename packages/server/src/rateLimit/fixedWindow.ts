import { monotonicClock, type MonotonicClock } from '../clock.js';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  msLeft: number;
}

/**
 * In-process fixed windows per key, on monotonic time. rate-limiter-flexible's memory store
 * measures windows with Date.now(): after the wall clock stepped back an hour, a window had an
 * hour left, and a 429 announced Retry-After: 3660.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, { count: number; startedAt: number }>();
  private lastSweep: number;

  constructor(
    private readonly windowMs: number,
    private readonly clock: MonotonicClock = monotonicClock,
  ) {
    this.lastSweep = clock.elapsedMs();
  }

  hit(key: string): WindowCount {
    const t = this.clock.elapsedMs();
    // Ended windows are dropped once per window length, so keys seen once do not pile up.
    if (t - this.lastSweep >= this.windowMs) this.sweep(t);
    let w = this.windows.get(key);
    if (!w || t - w.startedAt >= this.windowMs) {
      w = { count: 0, startedAt: t };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { count: w.count, msLeft: Math.max(1, Math.ceil(w.startedAt + this.windowMs - t)) };
  }

  private sweep(t: number): void {
    this.lastSweep = t;
    for (const [key, w] of this.windows) if (t - w.startedAt >= this.windowMs) this.windows.delete(key);
  }
}
