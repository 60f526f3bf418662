/** Counts open connections per key (a user, an IP) against a limit; forgets keys at zero. */
export class Slots {
  private readonly taken = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Takes a slot; false (and nothing taken) when the key is at its limit. */
  take(key: string): boolean {
    const n = this.taken.get(key) ?? 0;
    if (n >= this.limit) return false;
    this.taken.set(key, n + 1);
    return true;
  }

  count(key: string): number {
    return this.taken.get(key) ?? 0;
  }

  /** Every key holding slots, with how many. */
  entries(): IterableIterator<[string, number]> {
    return this.taken.entries();
  }

  release(key: string): void {
    const n = (this.taken.get(key) ?? 0) - 1;
    if (n > 0) this.taken.set(key, n);
    else this.taken.delete(key);
  }
}
