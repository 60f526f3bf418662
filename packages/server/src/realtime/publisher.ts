import { randomUUID } from 'node:crypto';
import { MessageLimits, RealtimeLimits, type PresenceStatus, type StoredChannelEvent } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { appEventTopic, channelTopic, presenceTopic, userTopic, type Bus, type RevokedSessions } from './bus.js';
import { appEventFrame, presentAppEvent } from './appEventFeed.js';
import type { AppEventRecord } from '../storage/port.js';
import { eventFrame, frame } from './frames.js';
import type { GatewayMetrics } from './metrics.js';
import type { PresenceStore } from './presence.js';
import { KeyedQueue } from './keyedQueue.js';
import { Throttle } from './throttle.js';
import type { MessageCounter } from './messageCounters.js';

/**
 * Turns what happened into bus messages, each frame serialized once whoever receives it:
 * committed changes (`publish`), and the ephemeral notices — typing, read markers, receipts,
 * workspace joins and leaves, presence. Actions reach it through the context's hooks.
 */
export class Publisher {
  private readonly workspaceOf = new Map<string, string>();
  private readonly typingThrottle = new Throttle(RealtimeLimits.typingThrottleMs);
  /** Publishes of one user's presence (or one member's receipts in a channel) in the order they happened. */
  private readonly ordered = new KeyedQueue();
  /** Makes presence notice ids unique across nodes. */
  private readonly nodeId = randomUUID();
  private noticeCounter = 0;
  constructor(
    private readonly ctx: AppContext,
    private readonly bus: Bus,
    private readonly presence: PresenceStore,
    private readonly metrics: GatewayMetrics,
    /** For the admin page's "messages per minute". */
    private readonly messageCounter: MessageCounter,
  ) {
    presence.onChange((userId, status) => void this.presenceChanged(userId, status));
  }

  /** Hands committed events to the bus: one frame string per event, whoever receives it. */
  publish(events: StoredChannelEvent[]): void {
    void (async () => {
      for (const event of events) {
        const workspaceId = await this.workspaceIdOf(event.channelId);
        if (!workspaceId) continue;
        if (event.event.type === 'message.created') this.messageCounter.record(workspaceId);
        const message = { kind: 'change' as const, workspaceId, event, frame: eventFrame(event), publishedAt: performance.now() };
        this.bus.publish(channelTopic(workspaceId, event.channelId), message);
        if (event.event.type === 'member.joined') this.bus.publish(userTopic(event.event.userId), message);
      }
    })().catch((err: unknown) => this.ctx.logger.error({ err }, 'publishing events failed'));
  }

  /** A committed app event, its frame made once for every subscriber. */
  appEvent(record: AppEventRecord): void {
    const out = appEventFrame(presentAppEvent(record));
    this.bus.publish(appEventTopic(record.workspaceId, record.topic), { kind: 'app', workspaceId: record.workspaceId, topic: record.topic, seq: record.seq, frame: out });
  }

  /**
   * A read marker moved: every connection of the user updates its unread badges (`read`), and in
   * a channel small enough for receipts the other members see it (`receipt`).
   */
  readMoved(userId: string, channelId: string, lastReadSeq: number): void {
    this.bus.publish(userTopic(userId), { kind: 'notice', frame: frame({ type: 'read', channelId, lastReadSeq }) });
    // Ordered per member and channel: a later marker never arrives before an earlier one.
    this.ordered
      .run(`receipt:${channelId}:${userId}`, async () => {
        const workspaceId = await this.workspaceIdOf(channelId);
        if (!workspaceId || (await this.ctx.storage.channels.countMembers(channelId)) > MessageLimits.receiptsMaxMembers) return;
        this.metrics.receipts.inc();
        this.bus.publish(channelTopic(workspaceId, channelId), {
          kind: 'notice',
          channelId,
          fromUserId: userId,
          frame: frame({ type: 'receipt', channelId, userId, lastReadSeq }),
        });
      })
      .catch((err: unknown) => this.ctx.logger.error({ err }, 'publishing a receipt failed'));
  }

  /** "Typing" (already authorized) to the channel's other followers, at most every typingThrottleMs per user and channel. */
  typingDue(userId: string, channelId: string): boolean {
    return this.typingThrottle.due(`${userId}:${channelId}`);
  }

  typing(userId: string, workspaceId: string, channelId: string): void {
    if (!this.typingThrottle.allow(`${userId}:${channelId}`)) return;
    this.bus.publish(channelTopic(workspaceId, channelId), {
      kind: 'notice',
      channelId,
      fromUserId: userId,
      frame: frame({ type: 'typing', channelId, userId }),
    });
  }

  /** Joined or left a workspace: the user's connections start or stop hearing its presence, and its members see the newcomer. */
  workspaceMembershipChanged(userId: string, workspaceId: string, member: boolean): void {
    this.bus.publish(userTopic(userId), { kind: 'workspace', workspaceId, member });
    if (!member) return;
    this.ordered
      .run(`presence:${userId}`, async () => {
        const status = (await this.presence.statuses([userId])).get(userId) ?? 'offline';
        if (status !== 'offline') this.bus.publish(presenceTopic(workspaceId), this.presenceNotice(userId, status));
      })
      .catch((err: unknown) => this.ctx.logger.error({ err }, 'publishing presence failed'));
  }

  /**
   * Sessions of the user lost access (storage says so already): on the user's topic, which every
   * connection of the user hears on whatever node it is, each closing if its session is named.
   */
  sessionsRevoked(userId: string, sessions: RevokedSessions): void {
    this.bus.publish(userTopic(userId), { kind: 'revoked', sessions });
  }

  /** A user's aggregate status changed: tell every workspace they are in, in the order it changed. */
  private presenceChanged(userId: string, status: PresenceStatus): Promise<void> {
    return this.ordered
      .run(`presence:${userId}`, async () => {
        const workspaces = await this.ctx.storage.workspaces.listForUser(userId);
        this.metrics.presenceChanges.inc({ status });
        const notice = this.presenceNotice(userId, status);
        for (const w of workspaces) this.bus.publish(presenceTopic(w.id), notice);
      })
      .catch((err: unknown) => this.ctx.logger.error({ err }, 'publishing presence failed'));
  }

  private presenceNotice(userId: string, status: PresenceStatus) {
    return { kind: 'notice' as const, id: `${this.nodeId}:${++this.noticeCounter}`, frame: frame({ type: 'presence', userId, status }) };
  }

  private async workspaceIdOf(channelId: string): Promise<string | undefined> {
    let id = this.workspaceOf.get(channelId);
    if (!id) {
      id = (await this.ctx.storage.channels.findById(channelId))?.workspaceId;
      if (id) this.workspaceOf.set(channelId, id);
    }
    return id;
  }

  /** Forgets typing throttles that have run out (called on the heartbeat). */
  prune(): void {
    this.typingThrottle.prune();
  }
}
