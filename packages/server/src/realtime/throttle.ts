/** Lets one event per key through every `intervalMs` (typing notices per user and channel). */
export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  allow(key: string): boolean {
    const t = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && t - previous < this.intervalMs) return false;
    this.last.set(key, t);
    return true;
  }

  /** Forgets keys whose interval has passed: they would be let through anyway. */
  prune(): void {
    const t = this.now();
    for (const [key, at] of this.last) if (t - at >= this.intervalMs) this.last.delete(key);
  }
}
