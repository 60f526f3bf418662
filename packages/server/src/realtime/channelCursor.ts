import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { OutFrame } from './frames.js';

/** An event with its frame, serialized once when it was published (or read from storage). */
export interface OutgoingEvent {
  event: StoredChannelEvent;
  frame: OutFrame;
}

const MAX_PENDING = 1000;
/** Where every cursor's fill chain starts: shared, since a settled promise never changes. */
const SETTLED: Promise<void> = Promise.resolve();
const NOTHING: readonly OutgoingEvent[] = [];

/**
 * One connection's position in one channel: every event is delivered once, in seq order. Live
 * events that arrive ahead of a gap (or during a replay) wait in `pending` until the gap is
 * filled from storage.
 *
 * A session has one per channel it follows, most of them idle for hours: `pending` exists only
 * while something waits, and is a list in seq order rather than a map, so that an event that
 * arrives in order (the usual case) costs one small array, handed on as it is by `drain`.
 */
export class ChannelCursor {
  /** The last seq delivered to the client. */
  delivered: number;
  /** Gap fills run one after another (see Session.fill). */
  fillChain: Promise<void> = SETTLED;
  filling = 0;
  /** Events not delivered yet, in seq order, each seq once, all after `delivered`. */
  private pending: OutgoingEvent[] | undefined;

  constructor(
    readonly channelId: string,
    readonly workspaceId: string,
    delivered: number,
  ) {
    this.delivered = delivered;
  }

  /** Queues a live event; returns false when it was already delivered (or is already queued). */
  offer(item: OutgoingEvent): boolean {
    const { seq } = item.event;
    if (seq <= this.delivered) return false;
    const { pending } = this;
    if (!pending) {
      this.pending = [item];
      return true;
    }
    // Its place, looking from the end: events mostly arrive in order.
    let at = pending.length;
    while (at > 0 && pending[at - 1]!.event.seq > seq) at--;
    if (at > 0 && pending[at - 1]!.event.seq === seq) return false;
    // Waiting events are only a shortcut (storage has them all): past a bound, drop them and let
    // the gap be filled from storage, so a socket that never resumes cannot grow memory.
    if (pending.length >= MAX_PENDING) this.pending = [item];
    else pending.splice(at, 0, item);
    return true;
  }

  /** The events that can go out now (contiguous from `delivered`), marked delivered. */
  drain(): readonly OutgoingEvent[] {
    const { pending } = this;
    if (!pending || pending[0]!.event.seq !== this.delivered + 1) return NOTHING;
    let count = 1;
    while (count < pending.length && pending[count]!.event.seq === pending[count - 1]!.event.seq + 1) count++;
    this.delivered = pending[count - 1]!.event.seq;
    if (count < pending.length) return pending.splice(0, count);
    this.pending = undefined;
    return pending;
  }

  /** Forget what is queued at or below `seq` (a resume moved the cursor). */
  skipTo(seq: number): void {
    this.delivered = seq;
    if (!this.pending) return;
    const kept = this.pending.findIndex((item) => item.event.seq > seq);
    if (kept < 0) this.pending = undefined;
    else this.pending.splice(0, kept);
  }

  /** The seq of the earliest waiting event when there is a gap before it. */
  gapUpTo(): number | undefined {
    if (!this.pending) return undefined;
    const lowest = this.pending[0]!.event.seq;
    return lowest > this.delivered + 1 ? lowest - 1 : undefined;
  }
}
