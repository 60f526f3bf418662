/**
 * Reconnect delays: exponential with full jitter (a uniformly random delay up to the exponential
 * ceiling), capped. Full jitter spreads a crowd of clients dropped at the same moment across the
 * whole window instead of having them return in synchronized waves.
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** A connection that stayed up this long resets the schedule. */
  stableMs?: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  readonly stableMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.capMs = options.capMs ?? 30_000;
    this.stableMs = options.stableMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The ceiling for the next attempt: base·2^attempt, capped. */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
  }

  /** The delay before the next attempt; a server's retry hint is a floor, never ignored. */
  next(minimumMs = 0): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempt += 1;
    return Math.max(delay, minimumMs);
  }

  /** Called when a connection has been up for `stableMs`. */
  reset(): void {
    this.attempt = 0;
  }
}
