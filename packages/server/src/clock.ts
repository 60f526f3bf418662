/**
 * Wall time as a dependency, so expiry rules are tested by moving a clock rather than by waiting.
 * Wall time is for timestamps only — what is stored, shown or compared with another machine's
 * clock (createdAt, a token's exp, a session's expiresAt). It steps when NTP or an admin sets the
 * clock, so it must never measure an interval: use a MonotonicClock for that.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Elapsed time, for every interval and duration (rate-limit windows, token buckets, throttles,
 * timeouts, latencies): it only moves forward, whatever happens to the wall clock. A reading
 * means nothing alone and nothing in another process; only differences between two readings do.
 * The method is not called `now` on purpose, so a wall clock cannot be passed where this is due.
 */
export interface MonotonicClock {
  /** Milliseconds since an arbitrary origin (fractional). */
  elapsedMs(): number;
}

export const monotonicClock: MonotonicClock = { elapsedMs: () => performance.now() };

/** A monotonic clock tests move by hand (forward only, as the real one). */
export class ManualMonotonicClock implements MonotonicClock {
  private current = 0;
  elapsedMs(): number {
    return this.current;
  }
  advance(ms: number): void {
    if (ms < 0) throw new Error('a monotonic clock does not go back');
    this.current += ms;
  }
}
