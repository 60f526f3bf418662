import { monotonicClock, type MonotonicClock } from '../clock.js';

/** Lets one event per key through every `intervalMs` (typing notices per user and channel), on monotonic time. */
export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: MonotonicClock = monotonicClock,
  ) {}

  /** Whether `allow(key)` would let an event through now, without counting one. */
  due(key: string): boolean {
    const previous = this.last.get(key);
    return previous === undefined || this.clock.elapsedMs() - previous >= this.intervalMs;
  }

  allow(key: string): boolean {
    const t = this.clock.elapsedMs();
    const previous = this.last.get(key);
    if (previous !== undefined && t - previous < this.intervalMs) return false;
    this.last.set(key, t);
    return true;
  }

  /** Forgets keys whose interval has passed: they would be let through anyway. */
  prune(): void {
    const t = this.clock.elapsedMs();
    for (const [key, at] of this.last) if (t - at >= this.intervalMs) this.last.delete(key);
  }
}
