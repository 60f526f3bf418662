import { randomBytes } from 'node:crypto';
import { CloseCodes, RealtimeLimits, type ConnectionStatus, type ErrorCode } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { presentEvent } from '../presenters/chat.js';
import { channelTopic, isRevoked, presenceTopic, presenceTopicWorkspace, topicKind, userTopic, type Bus, type BusMessage, type BusSubscriber, type WorkspaceMessage } from './bus.js';
import { ChannelCursor, type OutgoingEvent } from './channelCursor.js';
import { AppEventFeed } from './appEventFeed.js';
import { eventFrame, frame, type OutFrame } from './frames.js';
import type { GatewayMetrics } from './metrics.js';
import type { PresenceStore } from './presence.js';
import type { SharedIds } from './sharedIds.js';
import type { BatchTarget, NoticeBatcher } from './noticeBatcher.js';

/** A presence notice waiting in the batch: its frame, the workspace it was heard for, its id. */
export interface PresenceItem {
  frame: OutFrame;
  workspaceId: string;
  id: string | undefined;
}

/**
 * How a session reaches its client: a WebSocket, or a Server-Sent Events response. The session
 * decides what to send and when; the transport only carries frames.
 */
export interface Transport {
  write(frame: OutFrame): void;
  /** Several frames in one write (in this order). */
  writeMany(frames: readonly OutFrame[]): void;
  /** Bytes written but not yet taken by the peer (what a client that stops reading makes us hold). */
  readonly bufferedBytes: number;
  /** Ends the connection; `code` is a WebSocket close code (an SSE stream simply ends). */
  end(code: number, reason: string): void;
}

export interface SessionDeps {
  ctx: AppContext;
  bus: Bus;
  metrics: GatewayMetrics;
  presence: PresenceStore;
  /** The node's shared copies of channel and workspace ids. */
  ids: SharedIds;
  /** Presence notices wait here to go out in batches. */
  presenceBatch: NoticeBatcher<PresenceItem>;
}

/** Presence notices seen recently: one change is published on every workspace topic its user is in. */
const RECENT_NOTICES = 16;
/** What the presence chain is when no update is in flight: shared, since a settled promise never changes. */
const SETTLED: Promise<void> = Promise.resolve();
const NO_WORKSPACES: readonly string[] = [];
/** How long a gap fill that failed (storage down) waits before it tries again. */
const FILL_RETRY_MS = 2000;

/**
 * What a client follows, whatever the transport. It follows every channel its user belongs to and
 * delivers each change exactly once, in seq order: live events wait until the client has said
 * where it stands (`resume`), and any gap — a reordered or lost publish — is filled from storage.
 * It also hears the user's notices (read marker), typing and receipts of its channels, and the
 * presence of everyone in its user's workspaces, and counts as one of the user's connections for
 * presence.
 *
 * Most sessions sit idle for hours, so what one holds is kept small (see docs/performance.md): it
 * is its own bus subscriber for all its topics, which it can name again from its state (its user,
 * `presenceOf`, `cursors`) rather than keeping them; the ids in that state are the node's shared
 * copies (`SharedIds`); and collections that only fill on activity are created when they do.
 */
export class Session implements BusSubscriber, BatchTarget<PresenceItem> {
  /**
   * Unique across nodes: the presence store tells connections apart by it. 128 random bits as one
   * flat string (40 bytes); `randomUUID()` builds its result by concatenation, and the tree of
   * pieces it leaves costs ~480 bytes for as long as the session lives.
   */
  readonly id = randomBytes(16).toString('base64url');
  /** The channels followed (the user's memberships), each with the client's position in it. */
  private readonly cursors = new Map<string, ChannelCursor>();
  /**
   * The workspaces whose presence topic is heard. A user is in a handful, so a list is enough;
   * it is replaced by an exact-size copy rather than grown in place (push, spread and filter
   * reserve room for 17).
   */
  private presenceOf = NO_WORKSPACES;
  private live = false;
  private closed = false;
  /** False when opened with an API token that may only read (its operations are refused). */
  canWrite = true;
  private recentNotices: string[] | undefined;
  /** True while the workspace list is being read; joins and leaves heard meanwhile wait in `heardWorkspaceChanges`. */
  private readingWorkspaces = true;
  private heardWorkspaceChanges: WorkspaceMessage[] | undefined;
  /** Presence updates of this connection, in order; the removal at the end is the last. */
  private presenceChain = SETTLED;
  private closeListeners: (() => void)[] | undefined;
  /** App-event topics followed; made on the first `subscribe`. */
  private appFeed: AppEventFeed | undefined;
  /** Heads of a catch-up heard before the session went live (see catchUp). */
  private missedHeads: ReadonlyMap<string, number> | undefined;

  constructor(
    private readonly deps: SessionDeps,
    private readonly transport: Transport,
    readonly userId: string,
    /** The sign-in session the connection was opened with (the ticket's, the stream's access token's): revoking it closes the connection. */
    readonly authSessionId: string,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called once when the session ends, for whatever reason. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else (this.closeListeners ??= []).push(listener);
  }

  /**
   * Follows the user's channels and workspaces, registers with presence, then says `ready`; or,
   * if its sign-in session has been revoked meanwhile, closes with 4004 instead.
   */
  async start(heartbeatMs: number): Promise<void> {
    const { ctx } = this.deps;
    // The user topic first: a channel or workspace joined while memberships are being read is
    // then heard, and following is idempotent, so hearing it twice is harmless. Nothing is
    // subscribed once the session is closed: dispose has already let go of everything.
    if (!this.closed) this.deps.bus.subscribe(userTopic(this.userId), this);
    this.updatePresence('active');
    // The session row is read after subscribing: a revocation either committed before this read
    // (seen here) or is published after it (heard on the user topic), never missed in between.
    const [channels, workspaces, signIn] = await Promise.all([
      ctx.storage.channels.membershipsOf(this.userId),
      ctx.storage.workspaces.listForUser(this.userId),
      ctx.storage.sessions.findById(this.authSessionId),
    ]);
    if (!signIn || signIn.revokedAt !== null || signIn.expiresAt <= ctx.clock.now()) return this.revoke();
    this.canWrite = !signIn.scopes || signIn.scopes.includes('write');
    for (const m of channels) this.follow(m.channelId, m.workspaceId, m.lastSeq);
    for (const w of workspaces) this.listenPresence(w.id);
    const heard = this.heardWorkspaceChanges ?? [];
    this.readingWorkspaces = false;
    this.heardWorkspaceChanges = undefined;
    for (const m of heard) this.onWorkspaceChange(m);
    this.send(frame({ type: 'ready', v: 1, userId: this.userId, heartbeatMs }));
  }

  /**
   * The sign-in session lost access: an `error` frame says so (the only signal an SSE reader
   * sees), then the connection closes with 4004. Nothing it sends afterwards is acted on.
   */
  revoke(): void {
    if (this.closed) return;
    this.deps.metrics.revoked.inc();
    this.sendError(undefined, 'SESSION_REVOKED', 'This session has been signed out; sign in again');
    this.close(CloseCodes.sessionRevoked, 'session revoked');
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.transport.end(code, reason);
    this.dispose();
  }

  /** The transport ended (the peer went away): release everything. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    const { bus, ids, presence } = this.deps;
    bus.unsubscribe(userTopic(this.userId), this);
    for (const workspaceId of this.presenceOf) {
      bus.unsubscribe(presenceTopic(workspaceId), this);
      ids.release(workspaceId);
    }
    this.presenceOf = NO_WORKSPACES;
    for (const cursor of this.cursors.values()) this.forget(cursor);
    this.cursors.clear();
    this.appFeed?.close();
    this.chainPresence(() => presence.remove(this.userId, this.id));
    const listeners = this.closeListeners ?? [];
    this.closeListeners = undefined;
    for (const listener of listeners) listener();
  }

  /** The channels this session follows (a node-wide catch-up reads their heads once for all sessions). */
  followedChannels(): IterableIterator<string> {
    return this.cursors.keys();
  }

  /**
   * The bus may have lost changes (Redis was unreachable): delivers from storage whatever came
   * before `heads` and has not gone out yet. A session that is not live yet does it once it is,
   * after its resume, so it still delivers nothing from a position the client did not ask for.
   */
  catchUp(heads: ReadonlyMap<string, number>): void {
    if (this.closed) return;
    if (!this.live) {
      this.missedHeads = heads;
      return;
    }
    for (const cursor of this.cursors.values()) {
      const head = heads.get(cursor.channelId);
      if (head !== undefined && head > cursor.delivered) void this.fill(cursor, head);
    }
  }

  /** A `subscribe` frame: follow app-event topics of a workspace from the given positions. */
  subscribeAppEvents(workspaceId: string, topics: Record<string, number>): Promise<void> {
    this.appFeed ??= new AppEventFeed(this.deps.ctx, this.deps.bus, this, this.userId, (out) => this.send(out), () => this.closed);
    return this.appFeed.subscribe(workspaceId, topics);
  }

  /** This connection's presence status (a new one is `active`). */
  setStatus(status: ConnectionStatus): void {
    this.updatePresence(status);
  }

  private updatePresence(status: ConnectionStatus): void {
    // After the removal nothing may bring the connection back.
    if (this.closed) return;
    const { presence } = this.deps;
    this.chainPresence(() => presence.set(this.userId, this.id, status));
  }

  /** Runs presence updates one after another; once none is left in flight, the chain is let go. */
  private chainPresence(update: () => Promise<void>): void {
    const tail = this.presenceChain.then(update).catch((err: unknown) => this.deps.ctx.logger.error({ err }, 'presence update failed'));
    this.presenceChain = tail;
    void tail.then(() => {
      if (this.presenceChain === tail) this.presenceChain = SETTLED;
    });
  }

  /** Every topic this session listens to, whichever it came on. */
  onBusMessage(m: BusMessage, topic: string): void {
    const kind = topicKind(topic);
    if (kind === 'user') this.onUserMessage(m);
    else if (kind === 'presence') this.onPresence(m, topic);
    else if (kind === 'app') {
      if (m.kind === 'app') this.appFeed?.onLive(m, topic);
    } else this.onLive(m);
  }

  private listenPresence(workspaceId: string): void {
    if (this.closed || this.presenceOf.includes(workspaceId)) return;
    this.presenceOf = this.presenceOf.concat(this.deps.ids.take(workspaceId));
    this.deps.bus.subscribe(presenceTopic(workspaceId), this);
  }

  private unlistenPresence(workspaceId: string): void {
    const i = this.presenceOf.indexOf(workspaceId);
    if (i < 0) return;
    this.presenceOf = this.presenceOf.toSpliced(i, 1);
    this.deps.bus.unsubscribe(presenceTopic(workspaceId), this);
    this.deps.ids.release(workspaceId);
  }

  private follow(channelId: string, workspaceId: string, delivered: number): void {
    if (this.closed || this.cursors.has(channelId)) return;
    const { ids, bus } = this.deps;
    const cursor = new ChannelCursor(ids.take(channelId), ids.take(workspaceId), delivered);
    this.cursors.set(cursor.channelId, cursor);
    bus.subscribe(channelTopic(workspaceId, channelId), this);
  }

  private unfollow(channelId: string): void {
    const cursor = this.cursors.get(channelId);
    if (!cursor) return;
    this.cursors.delete(channelId);
    this.forget(cursor);
  }

  /** Stops hearing a followed channel and lets go of its ids (the caller drops the cursor). */
  private forget(cursor: ChannelCursor): void {
    this.deps.bus.unsubscribe(channelTopic(cursor.workspaceId, cursor.channelId), this);
    this.deps.ids.release(cursor.channelId);
    this.deps.ids.release(cursor.workspaceId);
  }

  /** The user topic: added to a channel, joined or left a workspace, a notice for this user (read marker), or sessions revoked. */
  private onUserMessage(m: BusMessage): void {
    if (m.kind === 'revoked') {
      if (isRevoked(m.sessions, this.authSessionId)) this.revoke();
      return;
    }
    if (m.kind === 'notice') {
      if (this.live) this.send(m.frame);
      return;
    }
    if (m.kind === 'workspace') {
      if (this.readingWorkspaces) (this.heardWorkspaceChanges ??= []).push(m);
      else this.onWorkspaceChange(m);
      return;
    }
    if (m.kind === 'app') return;
    // Added to a channel: follow it from just before the join, so the join is the first event.
    const { event } = m;
    if (event.event.type !== 'member.joined' || event.event.userId !== this.userId) return;
    if (!this.cursors.has(event.channelId)) this.follow(event.channelId, m.workspaceId, event.seq - 1);
    this.onLive(m);
  }

  /** Presence is shared with the user's workspaces: a join starts hearing one, a leave stops it. */
  private onWorkspaceChange(m: WorkspaceMessage): void {
    if (m.member) this.listenPresence(m.workspaceId);
    else {
      this.unlistenPresence(m.workspaceId);
      this.appFeed?.dropWorkspace(m.workspaceId);
    }
  }

  private onPresence(m: BusMessage, topic: string): void {
    if (m.kind !== 'notice' || !this.live) return;
    this.deps.presenceBatch.add(this, { frame: m.frame, workspaceId: presenceTopicWorkspace(topic), id: m.id });
  }

  /** The presence notices gathered for this connection (see NoticeBatcher), in one write. */
  deliverBatch(items: readonly PresenceItem[]): void {
    if (this.closed || !this.live) return;
    const frames: OutFrame[] = [];
    for (const item of items) {
      // Left (or removed from) that workspace meanwhile: its presence stops at once.
      if (!this.presenceOf.includes(item.workspaceId)) continue;
      // A change goes out once on each presence topic of its user's workspaces: only a session that
      // hears two of those topics or more can hear it twice, so only such a session keeps a list.
      if (item.id !== undefined && this.presenceOf.length > 1) {
        const recent = (this.recentNotices ??= []);
        if (recent.includes(item.id)) continue;
        recent.push(item.id);
        if (recent.length > RECENT_NOTICES) recent.shift();
      }
      frames.push(item.frame);
    }
    if (frames.length > 0) this.sendMany(frames);
  }

  private onLive(m: BusMessage): void {
    if (m.kind === 'workspace' || m.kind === 'revoked' || m.kind === 'app') return;
    if (m.kind === 'notice') {
      // Ephemeral (typing, receipts): only to live connections of others that follow the channel.
      if (this.live && m.fromUserId !== this.userId && m.channelId && this.cursors.has(m.channelId)) this.send(m.frame);
      return;
    }
    const cursor = this.cursors.get(m.event.channelId);
    if (!cursor || !cursor.offer({ event: m.event, frame: m.frame })) return;
    this.deps.metrics.deliveryLatency.observe((performance.now() - m.publishedAt) / 1000);
    void this.pump(cursor);
  }

  /** Sends what is contiguous; fills a gap from storage. */
  private pump(cursor: ChannelCursor): Promise<void> | undefined {
    // Synchronous unless there is a gap to fill: this runs once per recipient of every event.
    if (!this.live || cursor.filling > 0 || this.closed) return undefined;
    this.deliver(cursor, cursor.drain());
    const gapEnd = cursor.gapUpTo();
    return gapEnd === undefined ? undefined : this.fill(cursor, gapEnd);
  }

  /**
   * Reads from storage up to `upTo`. Fills of one channel queue behind each other, never overlap.
   * A failed read (storage down) is retried a little later, as what it was to fill is only in
   * storage; a resume says `retry: false` and gets the error, which its caller reports.
   */
  private fill(cursor: ChannelCursor, upTo: number, retry = true): Promise<void> {
    cursor.filling++;
    const run = cursor.fillChain.then(async () => {
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
    });
    // The chain itself never stays rejected: one failed read must not stop every later fill.
    const settled = () => {
      cursor.filling--;
    };
    cursor.fillChain = run.then(settled, settled);
    if (!retry) return run.then(() => this.pump(cursor));
    return run.then(
      () => this.pump(cursor),
      (err: unknown) => {
        this.deps.ctx.logger.warn({ err }, 'filling a gap from storage failed; retrying');
        setTimeout(() => {
          if (!this.closed && this.cursors.get(cursor.channelId) === cursor) void this.fill(cursor, upTo);
        }, FILL_RETRY_MS).unref();
      },
    );
  }

  private deliver(cursor: ChannelCursor, items: readonly OutgoingEvent[]): void {
    for (const { event, frame: out } of items) {
      this.send(out);
      this.deps.metrics.delivered.inc();
      // Removed from the channel: the removal is the last thing this connection hears of it.
      if (event.event.type === 'member.left' && event.event.userId === this.userId) {
        this.unfollow(cursor.channelId);
        return;
      }
    }
  }

  send(out: OutFrame): void {
    if (this.closed) return;
    this.transport.write(out);
    this.checkBuffered();
  }

  sendMany(frames: readonly OutFrame[]): void {
    if (this.closed) return;
    this.transport.writeMany(frames);
    this.checkBuffered();
  }

  private checkBuffered(): void {
    // A client that does not read must not make the server buffer without bound.
    if (this.transport.bufferedBytes > RealtimeLimits.maxBufferedBytes) {
      this.deps.metrics.slowConsumers.inc();
      this.close(CloseCodes.slowConsumer, 'slow consumer: reconnect and resume');
    }
  }

  sendError(ref: string | undefined, code: ErrorCode | 'INVALID_FRAME', message: string, retryAfterMs?: number): void {
    this.send(frame({ type: 'error', ...(ref ? { ref } : {}), code, message, ...(retryAfterMs ? { retryAfterMs } : {}) }));
  }

  /** Before any operation: a client that never said where it stands goes live from where it connected. */
  async ensureLive(): Promise<void> {
    if (!this.live) await this.resume({});
  }

  /**
   * The client's position per channel. Each named channel replays from storage what came after
   * it (or gets `reset` when too far behind); channels not named continue from where this
   * session started. Then live delivery begins.
   */
  async resume(positions: Record<string, number>, ref?: string): Promise<void> {
    if (this.closed) return;
    const { ctx } = this.deps;
    const named = Object.entries(positions);
    // Storage says who is still a member; it is read before the heads, so a removal it has seen
    // is at or below the head read next.
    const members = named.length === 0 ? undefined : new Set((await ctx.storage.channels.membershipsOf(this.userId)).map((m) => m.channelId));
    // Every named channel is positioned before live delivery starts, so nothing goes out from a
    // position the client did not ask for.
    const replays: { cursor: ChannelCursor; head: number }[] = [];
    for (const [channelId, lastSeq] of named) {
      const cursor = this.cursors.get(channelId);
      if (!cursor) {
        this.sendError(ref, 'NOT_FOUND', `Not a member of channel ${channelId}`);
        continue;
      }
      const head = (await ctx.storage.channels.findById(channelId))?.lastSeq ?? lastSeq;
      if (!members?.has(channelId)) {
        // Removed, and this connection has not delivered the removal yet. A position at or past
        // it (or a reset to the head) would skip it and keep the channel followed: the replay
        // starts no later than where the connection stands, so it runs into the removal and stops.
        const from = Math.min(lastSeq, cursor.delivered);
        if (head - from > RealtimeLimits.maxReplay) {
          this.unfollow(channelId);
          this.sendError(ref, 'NOT_FOUND', `Not a member of channel ${channelId}`);
        } else {
          cursor.skipTo(from);
          replays.push({ cursor, head });
        }
        continue;
      }
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
      await this.fill(cursor, head, false);
      // Also when the replay ended at the user's own removal: then nothing follows it.
      this.send(frame({ type: 'resumed', channelId: cursor.channelId, lastSeq: cursor.delivered }));
    }
    for (const cursor of this.cursors.values()) await this.pump(cursor);
    const missed = this.missedHeads;
    this.missedHeads = undefined;
    if (missed) this.catchUp(missed);
  }
}
