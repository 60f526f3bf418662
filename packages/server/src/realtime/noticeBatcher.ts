/** What the batcher hands a batch to: a session, which writes what is still due in one go. */
export interface BatchTarget<T> {
  readonly isClosed: boolean;
  deliverBatch(items: readonly T[]): void;
}

/**
 * Presence notices go out in batches, one socket write per connection per interval.
 *
 * When a thousand members of a workspace reconnect together (a restart, a network blip), every
 * arrival is a presence notice for every member already back: N²/2 frames, each its own write.
 * At 2,000 connections that took ~20 s of the event loop (against 4 s for the same connections
 * without presence). Presence is ephemeral and a change seen 100 ms later is still news, so the
 * notices for one connection wait for the interval and are written together; an idle server
 * runs no timer. The session decides at delivery what is still due (it may have left the workspace
 * meanwhile).
 */
export class NoticeBatcher<T> {
  private pending = new Map<BatchTarget<T>, T[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  add(target: BatchTarget<T>, item: T): void {
    const items = this.pending.get(target);
    if (items) items.push(item);
    else this.pending.set(target, [item]);
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
    for (const [target, items] of batches) if (!target.isClosed) target.deliverBatch(items);
  }
}
