/**
 * Resume bookkeeping: the last sequence number held per channel. Every durable event passes
 * through `accept`, which is what makes delivery exactly-once and in-order on the client side
 * whatever the transport did (a replay overlapping live events, a stream reopened after a drop).
 */
export type Verdict = 'apply' | 'duplicate' | 'gap';

export class ChannelCursors {
  private readonly seqs = new Map<string, number>();

  /** Start following a channel from `seq` (e.g. the lastSeq of freshly loaded history). */
  set(channelId: string, seq: number): void {
    this.seqs.set(channelId, seq);
  }

  /** Moves forward only: a slower history load must not rewind a cursor events already moved. */
  advance(channelId: string, seq: number): void {
    const current = this.seqs.get(channelId);
    if (current === undefined || seq > current) this.seqs.set(channelId, seq);
  }

  get(channelId: string): number | undefined {
    return this.seqs.get(channelId);
  }

  forget(channelId: string): void {
    this.seqs.delete(channelId);
  }

  /** What the `resume` frame carries. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.seqs);
  }

  /**
   * The verdict on an incoming event: the next seq is applied (and recorded), an old one is a
   * duplicate, one further ahead means something is missing and must be fetched first. A channel
   * seen for the first time (just joined) starts at its first event.
   */
  accept(channelId: string, seq: number): Verdict {
    const current = this.seqs.get(channelId);
    if (current !== undefined && seq <= current) return 'duplicate';
    if (current !== undefined && seq > current + 1) return 'gap';
    this.seqs.set(channelId, seq);
    return 'apply';
  }
}
