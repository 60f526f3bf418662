import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PresenceStatus } from '@relaydesk/protocol';
import { clusterScripts, type ClusterScripts } from './redisScripts.js';

export interface NodeRegistryOptions {
  nodeId: string;
  heartbeatMs: number;
  /** Silent this long, a node is dead: its connections stop counting and its users' presence is dropped. */
  deadAfterMs: number;
}

/** A dead node's users whose aggregate presence changed when it was reaped. */
export type ReapedPresence = { userId: string; status: PresenceStatus }[];

/**
 * This node's heartbeat in Redis, and the reaping of nodes that stopped beating (kill -9, a lost
 * host): whichever node sees one first forgets what it held, once. Also the one place that
 * tells the node's Redis-backed parts that Redis is back after an outage, so each re-asserts
 * what Redis may have lost (a restart without persistence loses everything).
 */
export class NodeRegistry {
  readonly scripts: ClusterScripts;
  private timer: NodeJS.Timeout | undefined;
  private readonly reapedListeners: ((reaped: ReapedPresence) => void)[] = [];
  private readonly restoreListeners: (() => Promise<void>)[] = [];
  /** Set when a write to Redis was lost: the next successful heartbeat restores this node's state. */
  private dirty = false;
  private beating = false;
  private wasReady: boolean;

  constructor(
    private readonly redis: Redis,
    readonly options: NodeRegistryOptions,
    private readonly logger: Logger,
  ) {
    this.scripts = clusterScripts(redis);
    this.wasReady = redis.status === 'ready';
    redis.on('ready', this.onReady);
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  get deadAfterMs(): number {
    return this.options.deadAfterMs;
  }

  /**
   * Starts beating. The first beat also clears what an earlier process with the same node id
   * left behind (a restart keeps NODE_ID: its counts and presence would otherwise never be given
   * back), before this node accepts any connection if Redis answers by then.
   */
  async start(): Promise<void> {
    this.dirty = true;
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.timer.unref();
    await this.beat();
  }

  /** Hears the presence changes of reaped nodes (to announce them). */
  onReaped(listener: (reaped: ReapedPresence) => void): void {
    this.reapedListeners.push(listener);
  }

  /** Runs after Redis came back (or a write was lost): re-write this node's part of the shared state. */
  onRestore(listener: () => Promise<void>): void {
    this.restoreListeners.push(listener);
  }

  /** A write of this node's state failed: restore it once Redis answers again. */
  markDirty(): void {
    this.dirty = true;
  }

  private readonly onReady = () => {
    // The first connection needs no restore: nothing was written before it.
    if (this.wasReady) this.dirty = true;
    this.wasReady = true;
    void this.beat();
  };

  private async beat(): Promise<void> {
    if (this.beating || this.redis.status !== 'ready') return;
    this.beating = true;
    try {
      const dead = (await this.scripts.rdHeartbeat(this.nodeId, this.deadAfterMs)) as string[];
      if (this.dirty) {
        this.dirty = false;
        for (const restore of this.restoreListeners) {
          await restore().catch((err: unknown) => {
            this.dirty = true;
            this.logger.warn({ err }, 'restoring this node\'s state in Redis failed; retrying');
          });
        }
      }
      for (const node of dead) await this.reap(node);
    } catch (err) {
      this.logger.warn({ err }, 'node heartbeat to Redis failed');
    } finally {
      this.beating = false;
    }
  }

  private async reap(node: string): Promise<void> {
    if (node === this.nodeId) return;
    const flat = (await this.scripts.rdReap(node, this.deadAfterMs)) as string[];
    const reaped: ReapedPresence = [];
    for (let i = 0; i + 1 < flat.length; i += 2) reaped.push({ userId: flat[i]!, status: flat[i + 1] as PresenceStatus });
    this.logger.warn({ node, users: reaped.length }, 'reaped a node that stopped its heartbeat');
    for (const listener of this.reapedListeners) listener(reaped);
  }

  stop(): void {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }
}
