import type { RawData, WebSocket } from 'ws';
import { ClientFrame, CloseCodes, RealtimeLimits, type ErrorCode } from '@relaydesk/protocol';
import Value from 'typebox/value';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { presentEvent, presentMessage } from '../presenters/chat.js';
import { sendMessage } from '../actions/messageSender.js';
import { deleteMessage, editMessage } from '../actions/messageEditor.js';
import { setReaction } from '../actions/reactions.js';
import { markRead } from '../actions/readState.js';
import { channelTopic, userTopic, type Bus, type BusMessage } from './bus.js';
import { ChannelCursor, type OutgoingEvent } from './channelCursor.js';
import { TokenBucket } from './tokenBucket.js';
import { eventFrame, frame } from './frames.js';
import type { GatewayMetrics } from './metrics.js';

/** Violations (malformed frames) tolerated before the socket is closed with 1008. */
const MAX_VIOLATIONS = 5;
/** Refused operations within FLOOD_WINDOW_MS before a flooding client is disconnected (4008). */
const MAX_FLOOD_REFUSALS = 2 * RealtimeLimits.opsBurst;
const FLOOD_WINDOW_MS = 5_000;

export interface EarlyFrame {
  data: RawData;
  isBinary: boolean;
}

export interface ConnectionDeps {
  ctx: AppContext;
  bus: Bus;
  metrics: GatewayMetrics;
}

/**
 * One authenticated socket. It follows every channel its user belongs to and delivers each change
 * exactly once, in seq order: live events wait until the client has said where it stands
 * (`resume`), and any gap — a reordered or lost publish — is filled from storage.
 */
export class Connection {
  alive = true;
  private readonly cursors = new Map<string, ChannelCursor>();
  private readonly subscriptions = new Map<string, () => void>();
  private readonly bucket = new TokenBucket(RealtimeLimits.opsPerSecond, RealtimeLimits.opsBurst);
  private live = false;
  private violations = 0;
  private refusals: number[] = [];
  private readonly lastTyping = new Map<string, number>();
  private closed = false;
  /** Frames are handled one at a time, in arrival order (a `resume` completes before what follows it). */
  private frames: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: ConnectionDeps,
    readonly ws: WebSocket,
    readonly userId: string,
  ) {}

  async start(early: EarlyFrame[] = []): Promise<void> {
    const { ctx } = this.deps;
    // Frames are taken from the first moment (registered before any await) and handled in order
    // once the connection is set up.
    let setUp!: () => void;
    this.frames = new Promise<void>((resolve) => (setUp = resolve));
    const enqueue = (data: RawData, isBinary: boolean) => {
      this.frames = this.frames.then(() => this.onFrame(data.toString(), isBinary));
    };
    for (const f of early) enqueue(f.data, f.isBinary);
    this.ws.on('message', enqueue);
    this.ws.on('pong', () => (this.alive = true));
    this.ws.on('close', () => this.dispose());
    try {
      for (const m of await ctx.storage.channels.membershipsOf(this.userId)) this.follow(m.channelId, m.workspaceId, m.lastSeq);
      this.listen(userTopic(this.userId), (m) => this.onUserMessage(m));
      this.send(frame({ type: 'ready', v: 1, userId: this.userId, heartbeatMs: ctx.config.wsHeartbeatMs }));
    } finally {
      setUp();
    }
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
    this.cursors.clear();
  }

  private listen(topic: string, handler: (m: BusMessage) => void): void {
    // A socket closed during set-up must not leave subscriptions behind.
    if (!this.closed && !this.subscriptions.has(topic)) this.subscriptions.set(topic, this.deps.bus.subscribe(topic, handler));
  }

  private follow(channelId: string, workspaceId: string, delivered: number): ChannelCursor {
    let cursor = this.cursors.get(channelId);
    if (cursor) return cursor;
    cursor = new ChannelCursor(channelId, workspaceId, delivered);
    this.cursors.set(channelId, cursor);
    this.listen(channelTopic(workspaceId, channelId), (m) => this.onLive(m));
    return cursor;
  }

  private unfollow(channelId: string): void {
    const cursor = this.cursors.get(channelId);
    if (!cursor) return;
    this.cursors.delete(channelId);
    const topic = channelTopic(cursor.workspaceId, channelId);
    this.subscriptions.get(topic)?.();
    this.subscriptions.delete(topic);
  }

  /** The user topic: being added to a channel, or a notice for this user (read marker moved). */
  private onUserMessage(m: BusMessage): void {
    if (m.kind === 'notice') {
      if (this.live) this.send(m.frame);
      return;
    }
    // Added to a channel: follow it from just before the join, so the join is the first event.
    const { event } = m;
    if (event.event.type !== 'member.joined' || event.event.userId !== this.userId) return;
    if (!this.cursors.has(event.channelId)) this.follow(event.channelId, m.workspaceId, event.seq - 1);
    this.onLive(m);
  }

  private onLive(m: BusMessage): void {
    if (m.kind === 'notice') {
      // Ephemeral (typing): only to live connections of others that follow the channel.
      if (this.live && m.fromUserId !== this.userId && m.channelId && this.cursors.has(m.channelId)) this.send(m.frame);
      return;
    }
    const cursor = this.cursors.get(m.event.channelId);
    if (!cursor || !cursor.offer({ event: m.event, frame: m.frame })) return;
    this.deps.metrics.deliveryLatency.observe((Date.now() - m.publishedAt) / 1000);
    void this.pump(cursor);
  }

  /** Sends what is contiguous; fills a gap from storage. */
  private async pump(cursor: ChannelCursor): Promise<void> {
    if (!this.live || cursor.filling > 0 || this.closed) return;
    this.deliver(cursor, cursor.drain());
    const gapEnd = cursor.gapUpTo();
    if (gapEnd !== undefined) await this.fill(cursor, gapEnd);
  }

  /** Reads from storage up to `upTo`. Fills of one channel queue behind each other, never overlap. */
  private fill(cursor: ChannelCursor, upTo: number): Promise<void> {
    cursor.filling++;
    cursor.fillChain = cursor.fillChain
      .then(async () => {
        while (cursor.delivered < upTo && !this.closed && this.cursors.get(cursor.channelId) === cursor) {
          const batch = await this.deps.ctx.storage.events.after(cursor.channelId, cursor.delivered, Math.min(500, upTo - cursor.delivered));
          if (batch.length === 0) break;
          this.deps.metrics.replayed.inc(batch.length);
          for (const record of batch) {
            const event = presentEvent(record);
            cursor.offer({ event, frame: eventFrame(event) });
          }
          this.deliver(cursor, cursor.drain());
        }
      })
      .finally(() => {
        cursor.filling--;
      });
    return cursor.fillChain.then(() => this.pump(cursor));
  }

  private deliver(cursor: ChannelCursor, items: OutgoingEvent[]): void {
    for (const { event, frame: text } of items) {
      this.send(text);
      this.deps.metrics.delivered.inc();
      // Removed from the channel: the removal is the last thing this connection hears of it.
      if (event.event.type === 'member.left' && event.event.userId === this.userId) {
        this.unfollow(cursor.channelId);
        return;
      }
    }
  }

  private send(text: string): void {
    if (this.closed) return;
    this.ws.send(text);
    // A client that does not read must not make the server buffer without bound.
    if (this.ws.bufferedAmount > RealtimeLimits.maxBufferedBytes) {
      this.deps.metrics.slowConsumers.inc();
      this.close(CloseCodes.slowConsumer, 'slow consumer: reconnect and resume');
    }
  }

  private sendError(ref: string | undefined, code: ErrorCode | 'INVALID_FRAME', message: string, retryAfterMs?: number): void {
    this.send(frame({ type: 'error', ...(ref ? { ref } : {}), code, message, ...(retryAfterMs ? { retryAfterMs } : {}) }));
  }

  private async onFrame(text: string, isBinary: boolean): Promise<void> {
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Value.Check(ClientFrame, parsed)) {
      this.sendError(undefined, 'INVALID_FRAME', 'Frames are JSON objects of a known type (see docs/protocol.md)');
      if (++this.violations >= MAX_VIOLATIONS) this.close(1008, 'too many invalid frames');
      return;
    }
    const f = parsed as ClientFrame;
    const ref = 'ref' in f ? f.ref : undefined;
    const token = this.bucket.take();
    if (!token.ok) {
      this.deps.metrics.floodRejections.inc();
      this.sendError(ref, 'RATE_LIMITED', 'Too many operations; slow down', token.retryAfterMs);
      const now = Date.now();
      this.refusals = this.refusals.filter((t) => now - t < FLOOD_WINDOW_MS);
      this.refusals.push(now);
      if (this.refusals.length >= MAX_FLOOD_REFUSALS) this.close(CloseCodes.flooding, 'flooding');
      return;
    }
    try {
      await this.handle(f);
    } catch (err) {
      if (err instanceof AppError) this.sendError(ref, err.code, err.message);
      else {
        this.deps.ctx.logger.error({ err }, 'realtime operation failed');
        this.sendError(ref, 'INTERNAL', 'Something went wrong on our side');
      }
    }
  }

  private async handle(f: ClientFrame): Promise<void> {
    const { ctx } = this.deps;
    if (f.type !== 'resume' && !this.live) await this.resume({});
    switch (f.type) {
      case 'resume':
        return this.resume(f.channels, f.ref);
      case 'ping':
        return this.send(frame({ type: 'pong', ...(f.ref ? { ref: f.ref } : {}) }));
      case 'send': {
        const { message } = await sendMessage(ctx, this.userId, f.channelId, {
          body: f.body,
          clientMessageId: f.clientMessageId,
          ...(f.threadRootId ? { threadRootId: f.threadRootId } : {}),
        });
        return this.ack(f.ref, { message: await presentMessage(ctx.storage, message) });
      }
      case 'edit':
        return this.ack(f.ref, { message: await presentMessage(ctx.storage, await editMessage(ctx, this.userId, f.messageId, f.body)) });
      case 'delete':
        await deleteMessage(ctx, this.userId, f.messageId);
        return this.ack(f.ref, {});
      case 'react':
        await setReaction(ctx, this.userId, f.messageId, f.emoji, f.present);
        return this.ack(f.ref, {});
      case 'read':
        return this.ack(f.ref, { lastReadSeq: await markRead(ctx, this.userId, f.channelId, f.seq) });
      case 'typing':
        return this.typing(f.channelId);
    }
  }

  /**
   * Forwards "typing" to the channel's other followers, at most every typingThrottleMs per
   * channel; no answer (it is fire-and-forget). Only members of an active channel may type.
   */
  private typing(channelId: string): void {
    const cursor = this.cursors.get(channelId);
    if (!cursor) throw new AppError('NOT_A_MEMBER', 'Join the channel first');
    const now = Date.now();
    if (now - (this.lastTyping.get(channelId) ?? 0) < RealtimeLimits.typingThrottleMs) return;
    this.lastTyping.set(channelId, now);
    this.deps.bus.publish(channelTopic(cursor.workspaceId, channelId), {
      kind: 'notice',
      channelId,
      fromUserId: this.userId,
      frame: frame({ type: 'typing', channelId, userId: this.userId }),
    });
  }

  private ack(ref: string | undefined, extra: { message?: unknown; lastReadSeq?: number }): void {
    this.send(JSON.stringify({ type: 'ack', ...(ref ? { ref } : {}), ...extra }));
  }

  /**
   * The client's position per channel. Each named channel replays from storage what came after
   * it (or gets `reset` when too far behind); channels not named continue from where this
   * connection started. Then live delivery begins.
   */
  private async resume(positions: Record<string, number>, ref?: string): Promise<void> {
    const { ctx } = this.deps;
    // Every named channel is positioned before live delivery starts, so nothing goes out from a
    // position the client did not ask for.
    const replays: { cursor: ChannelCursor; head: number }[] = [];
    for (const [channelId, lastSeq] of Object.entries(positions)) {
      const cursor = this.cursors.get(channelId);
      if (!cursor) {
        this.sendError(ref, 'NOT_FOUND', `Not a member of channel ${channelId}`);
        continue;
      }
      const head = (await ctx.storage.channels.findById(channelId))?.lastSeq ?? lastSeq;
      if (head - lastSeq > RealtimeLimits.maxReplay || lastSeq > head) {
        cursor.skipTo(head);
        this.send(frame({ type: 'reset', channelId, lastSeq: head }));
      } else {
        cursor.skipTo(lastSeq);
        replays.push({ cursor, head });
      }
    }
    this.live = true;
    for (const { cursor, head } of replays) {
      await this.fill(cursor, head);
      // Also when the replay ended at the user's own removal: then nothing follows it.
      this.send(frame({ type: 'resumed', channelId: cursor.channelId, lastSeq: cursor.delivered }));
    }
    for (const cursor of this.cursors.values()) await this.pump(cursor);
  }
}
