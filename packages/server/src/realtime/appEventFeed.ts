import { AppEventLimits, type AppEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { AppEventRecord } from '../storage/port.js';
import { AppError } from '../errors.js';
import { accessWorkspace } from '../policies/workspaceAccess.js';
import { appEventTopic, type AppEventMessage, type Bus, type BusSubscriber } from './bus.js';
import { frame, type OutFrame } from './frames.js';

const PAGE = 500;

export const presentAppEvent = (r: AppEventRecord): AppEvent => ({
  workspaceId: r.workspaceId,
  topic: r.topic,
  seq: r.seq,
  type: r.type,
  data: JSON.parse(r.data) as Record<string, unknown>,
  actorId: r.actorId,
  createdAt: new Date(r.createdAt).toISOString(),
});

export const appEventFrame = (e: AppEvent): OutFrame => frame({ type: 'app_event', event: e });

/** One connection's position in one topic: like a channel's cursor, every event once, in seq order. */
interface TopicCursor {
  workspaceId: string;
  topic: string;
  delivered: number;
  /** Live events ahead of a gap (or during a replay), by seq. */
  pending: Map<number, OutFrame> | undefined;
  filling: boolean;
}

/**
 * The app-event topics one session follows (`subscribe` frames). A topic is subscribed on the bus
 * before storage is read, so an event is either in the replay or heard live, never neither; a
 * live event after a gap waits while the gap is read from storage. Made on a session's first
 * `subscribe`: most connections never follow a topic.
 */
export class AppEventFeed {
  private readonly cursors = new Map<string, TopicCursor>();

  constructor(
    private readonly ctx: AppContext,
    private readonly bus: Bus,
    private readonly subscriber: BusSubscriber,
    private readonly userId: string,
    private readonly send: (out: OutFrame) => void,
    private readonly isClosed: () => boolean,
  ) {}

  async subscribe(workspaceId: string, topics: Record<string, number>): Promise<void> {
    await accessWorkspace(this.ctx, this.userId, workspaceId);
    const fresh = Object.entries(topics).filter(([topic]) => !this.cursors.has(appEventTopic(workspaceId, topic)));
    if (this.cursors.size + fresh.length > AppEventLimits.subscriptionsMax) {
      throw new AppError('VALIDATION_FAILED', `At most ${AppEventLimits.subscriptionsMax} topics per connection`, [{ field: 'topics', message: 'too many' }]);
    }
    for (const [topic, lastSeq] of fresh) {
      if (this.isClosed()) return;
      const key = appEventTopic(workspaceId, topic);
      const cursor: TopicCursor = { workspaceId, topic, delivered: lastSeq, pending: undefined, filling: false };
      this.cursors.set(key, cursor);
      this.bus.subscribe(key, this.subscriber);
      await this.fill(cursor);
      this.send(frame({ type: 'subscribed', workspaceId, topic, lastSeq: cursor.delivered }));
    }
  }

  onLive(m: AppEventMessage, busTopic: string): void {
    const cursor = this.cursors.get(busTopic);
    if (!cursor || m.seq <= cursor.delivered) return;
    if (!cursor.filling && m.seq === cursor.delivered + 1) {
      cursor.delivered = m.seq;
      this.send(m.frame);
      this.drain(cursor);
      return;
    }
    (cursor.pending ??= new Map()).set(m.seq, m.frame);
    if (!cursor.filling) void this.fill(cursor).catch((err: unknown) => this.ctx.logger.warn({ err }, 'filling an app-event gap failed'));
  }

  /** Left (or was removed from) the workspace: its topics stop at once. */
  dropWorkspace(workspaceId: string): void {
    for (const [key, cursor] of this.cursors) {
      if (cursor.workspaceId !== workspaceId) continue;
      this.cursors.delete(key);
      this.bus.unsubscribe(key, this.subscriber);
    }
  }

  close(): void {
    for (const key of this.cursors.keys()) this.bus.unsubscribe(key, this.subscriber);
    this.cursors.clear();
  }

  /** Delivers from storage everything after `delivered` (and what waited meanwhile), in order. */
  private async fill(cursor: TopicCursor): Promise<void> {
    cursor.filling = true;
    try {
      for (;;) {
        const batch = await this.ctx.storage.appEvents.after(cursor.workspaceId, cursor.topic, cursor.delivered, PAGE);
        for (const record of batch) {
          if (this.isClosed()) return;
          cursor.delivered = record.seq;
          cursor.pending?.delete(record.seq);
          this.send(appEventFrame(presentAppEvent(record)));
        }
        if (batch.length < PAGE) break;
      }
    } finally {
      cursor.filling = false;
    }
    this.drain(cursor);
    // Still something waiting past a gap: it committed after the read above, read again.
    if (cursor.pending && cursor.pending.size > 0) await this.fill(cursor);
  }

  private drain(cursor: TopicCursor): void {
    const { pending } = cursor;
    if (!pending) return;
    for (const seq of [...pending.keys()]) if (seq <= cursor.delivered) pending.delete(seq);
    let next = pending.get(cursor.delivered + 1);
    while (next) {
      pending.delete(cursor.delivered + 1);
      cursor.delivered++;
      this.send(next);
      next = pending.get(cursor.delivered + 1);
    }
    if (pending.size === 0) cursor.pending = undefined;
  }
}
