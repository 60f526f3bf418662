import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ConnectionStatus, PresenceStatus } from '@relaydesk/protocol';
import type { NodeRegistry } from '../cluster/nodeRegistry.js';
import { PRESENCE_SHOWN_KEY, presenceNodeKey } from '../cluster/redisScripts.js';
import { KeyedQueue } from './keyedQueue.js';
import { MemoryPresence } from './memoryPresence.js';
import type { PresenceStore } from './presence.js';

/**
 * Presence across nodes. Each node aggregates its own connections of a user as `MemoryPresence`
 * does (the grace period included, so a reload on this node never reaches Redis), and writes that
 * per-node status into Redis; a script folds the nodes' statuses into the user's aggregate and
 * says when it changed, so exactly one node announces each change. A user who moves to another
 * node within the grace period stays online throughout: the new node's field is there before the
 * old one's is dropped. A node that dies is reaped by the others after its heartbeat has been
 * silent for the grace period (`NodeRegistry`), and its users go offline then unless they are
 * connected elsewhere.
 *
 * While Redis is down each node goes on with its own view: reads fall back to it, and it is
 * written back when Redis answers again.
 */
export class RedisPresence implements PresenceStore {
  private readonly local: MemoryPresence;
  /** What this node last wrote for each of its users (absent = nothing on this node). */
  private readonly mine = new Map<string, PresenceStatus>();
  private readonly ordered = new KeyedQueue();
  private readonly listeners: ((userId: string, status: PresenceStatus) => void)[] = [];
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly registry: NodeRegistry,
    graceMs: number,
    private readonly logger: Logger,
  ) {
    this.local = new MemoryPresence(graceMs);
    this.local.onChange((userId, status) => {
      if (status === 'offline') this.mine.delete(userId);
      else this.mine.set(userId, status);
      void this.write(userId);
    });
    registry.onReaped((reaped) => reaped.forEach(({ userId, status }) => this.emit(userId, status)));
    registry.onRestore(() => this.restore());
  }

  set(userId: string, connectionId: string, status: ConnectionStatus): Promise<void> {
    return this.local.set(userId, connectionId, status);
  }

  remove(userId: string, connectionId: string): Promise<void> {
    return this.local.remove(userId, connectionId);
  }

  async statuses(userIds: string[]): Promise<Map<string, PresenceStatus>> {
    if (userIds.length === 0) return new Map();
    try {
      const shown = await this.redis.hmget(PRESENCE_SHOWN_KEY, ...userIds);
      return new Map(userIds.map((id, i) => [id, (shown[i] as PresenceStatus | null) ?? 'offline']));
    } catch {
      return this.local.statuses(userIds);
    }
  }

  onChange(listener: (userId: string, status: PresenceStatus) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.local.close();
    this.listeners.length = 0;
  }

  /** Writes this node's current status of the user (one write at a time per user, so the last one wins). */
  private write(userId: string): Promise<void> {
    return this.ordered.run(userId, async () => {
      if (this.closed) return;
      try {
        const changed = await this.registry.scripts.rdPresenceSet(userId, this.registry.nodeId, this.mine.get(userId) ?? '', this.registry.deadAfterMs);
        if (typeof changed === 'string') this.emit(userId, changed as PresenceStatus);
      } catch (err) {
        this.registry.markDirty();
        this.logger.warn({ err }, 'presence write to Redis failed; kept on this node until Redis answers');
      }
    });
  }

  /** After an outage: this node's users as they are now, and those it had but lost meanwhile dropped. */
  private async restore(): Promise<void> {
    const listed = await this.redis.smembers(presenceNodeKey(this.registry.nodeId));
    const users = new Set([...listed, ...this.mine.keys()]);
    await Promise.all([...users].map((userId) => this.write(userId)));
  }

  private emit(userId: string, status: PresenceStatus): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener(userId, status);
  }
}
