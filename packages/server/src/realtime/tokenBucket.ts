import { monotonicClock, type MonotonicClock } from '../clock.js';

/**
 * A token bucket: `rate` tokens per second up to `burst`; each operation takes one. On monotonic
 * time: on the wall clock, a step back stopped the refill (every socket rate limited for as long).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: MonotonicClock = monotonicClock,
  ) {
    this.tokens = burst;
    this.last = clock.elapsedMs();
  }

  /** Takes a token, or returns how many ms until one is available. */
  take(): { ok: true } | { ok: false; retryAfterMs: number } {
    const t = this.clock.elapsedMs();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.rate) * 1000) };
  }
}
