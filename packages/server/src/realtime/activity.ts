import { monotonicClock, type MonotonicClock } from '../clock.js';

/**
 * Messages created per workspace over the last minute, counted as they are published: the admin
 * page polls this every few seconds, so it must not scan the messages table. Per node; with
 * several nodes behind a balancer each reports its own share (Redis aggregation comes with the
 * Redis bus).
 */
export class MessageRate {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly clock: MonotonicClock = monotonicClock,
  ) {}

  record(workspaceId: string): void {
    const list = this.recent.get(workspaceId) ?? [];
    list.push(this.clock.elapsedMs());
    this.recent.set(workspaceId, this.prune(list));
  }

  perWindow(workspaceId: string): number {
    const list = this.prune(this.recent.get(workspaceId) ?? []);
    if (list.length === 0) this.recent.delete(workspaceId);
    else this.recent.set(workspaceId, list);
    return list.length;
  }

  private prune(list: number[]): number[] {
    const cutoff = this.clock.elapsedMs() - this.windowMs;
    let i = 0;
    while (i < list.length && list[i]! <= cutoff) i++;
    return i === 0 ? list : list.slice(i);
  }
}
