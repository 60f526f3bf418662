import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { NodeRegistry } from '../cluster/nodeRegistry.js';
import { connsKey } from '../cluster/redisScripts.js';
import { LocalCaps, type CapKind, type ConnectionCaps } from './connectionCaps.js';

const FIELD_PREFIX: Record<CapKind, string> = { ip: 'i:', user: 'u:' };

/**
 * Connection caps across nodes: each node keeps its own counts in Redis (`rd:conns:{node}`) and a
 * script sums the live nodes' counts before taking a slot, so the limit holds wherever the
 * connections land. A dead node's counts stop counting once it is declared dead.
 *
 * The node's own counts are kept in process too: they still cap a node alone while Redis is
 * down (each node then admits up to the limit: fail open, as a chat must keep working), and
 * they are what the node writes back to Redis after an outage.
 */
export class RedisCaps extends LocalCaps implements ConnectionCaps {
  constructor(
    limits: Record<CapKind, number>,
    private readonly redis: Redis,
    private readonly registry: NodeRegistry,
    private readonly logger: Logger,
  ) {
    super(limits);
    registry.onRestore(() => this.restore());
  }

  override async take(kind: CapKind, key: string): Promise<boolean> {
    const slots = this.slots[kind];
    if (!slots.take(key)) return false;
    try {
      const taken = await this.registry.scripts.rdCapTake(FIELD_PREFIX[kind] + key, slots.limit, this.registry.nodeId, this.registry.deadAfterMs);
      if (taken === 1) return true;
      slots.release(key);
      return false;
    } catch (err) {
      this.registry.markDirty();
      this.logger.warn({ err, kind }, 'connection cap check in Redis failed; admitted by this node\'s count');
      return true;
    }
  }

  override release(kind: CapKind, key: string): void {
    super.release(kind, key);
    this.registry.scripts.rdCapRelease(FIELD_PREFIX[kind] + key, this.registry.nodeId).catch(() => this.registry.markDirty());
  }

  override async connectionsOf(userIds: string[]): Promise<number> {
    if (userIds.length === 0) return 0;
    try {
      const fields = userIds.map((id) => FIELD_PREFIX.user + id);
      return Number(await this.registry.scripts.rdCapCount(this.registry.deadAfterMs, this.registry.nodeId, ...fields));
    } catch {
      return super.connectionsOf(userIds);
    }
  }

  /** Rewrites this node's counts as they are now (after Redis lost them or a release failed). */
  private async restore(): Promise<void> {
    const counts: string[] = [];
    for (const kind of ['ip', 'user'] as const) {
      for (const [key, n] of this.slots[kind].entries()) counts.push(FIELD_PREFIX[kind] + key, String(n));
    }
    const multi = this.redis.multi().del(connsKey(this.registry.nodeId));
    if (counts.length > 0) multi.hset(connsKey(this.registry.nodeId), ...counts);
    await multi.exec();
  }
}
