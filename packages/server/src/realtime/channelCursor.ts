import type { StoredChannelEvent } from '@relaydesk/protocol';

/** An event with its frame, serialized once when it was published (or read from storage). */
export interface OutgoingEvent {
  event: StoredChannelEvent;
  frame: string;
}

const MAX_PENDING = 1000;

/**
 * One connection's position in one channel: every event is delivered once, in seq order. Live
 * events that arrive ahead of a gap (or during a replay) wait in `pending` until the gap is
 * filled from storage.
 */
export class ChannelCursor {
  /** The last seq delivered to the client. */
  delivered: number;
  /** Gap fills run one after another (see Connection.fill). */
  fillChain: Promise<void> = Promise.resolve();
  filling = 0;
  private readonly pending = new Map<number, OutgoingEvent>();

  constructor(
    readonly channelId: string,
    readonly workspaceId: string,
    delivered: number,
  ) {
    this.delivered = delivered;
  }

  /** Queues a live event; returns false when it was already delivered. */
  offer(item: OutgoingEvent): boolean {
    const { seq } = item.event;
    if (seq <= this.delivered || this.pending.has(seq)) return false;
    // Waiting events are only a shortcut (storage has them all): past a bound, drop them and let
    // the gap be filled from storage, so a socket that never resumes cannot grow memory.
    if (this.pending.size >= MAX_PENDING) this.pending.clear();
    this.pending.set(seq, item);
    return true;
  }

  /** The events that can go out now (contiguous from `delivered`), marked delivered. */
  drain(): OutgoingEvent[] {
    const out: OutgoingEvent[] = [];
    for (let next = this.pending.get(this.delivered + 1); next; next = this.pending.get(this.delivered + 1)) {
      this.pending.delete(next.event.seq);
      this.delivered = next.event.seq;
      out.push(next);
    }
    return out;
  }

  /** Forget what is queued at or below `seq` (a resume moved the cursor). */
  skipTo(seq: number): void {
    this.delivered = seq;
    for (const key of this.pending.keys()) if (key <= seq) this.pending.delete(key);
  }

  /** The seq of the earliest waiting event when there is a gap before it. */
  gapUpTo(): number | undefined {
    if (this.pending.size === 0) return undefined;
    const lowest = Math.min(...this.pending.keys());
    return lowest > this.delivered + 1 ? lowest - 1 : undefined;
  }
}
