import type { Redis } from 'ioredis';
import { MessageRate } from './activity.js';

const BUCKET_MS = 10_000;
/** The current bucket and the five before it: the last 50–60 s, close enough for the admin page's per-minute figure. */
const BUCKETS = 6;
const FLUSH_MS = 1000;

/** Counts what a live-figures reader needs: messages created per workspace, and how many in the last minute. */
export interface MessageCounter {
  record(workspaceId: string): void;
  lastMinute(workspaceId: string): Promise<number>;
}

/** One node's count. */
export class LocalMessageCounter implements MessageCounter {
  private readonly rate = new MessageRate();

  record(workspaceId: string): void {
    this.rate.record(workspaceId);
  }

  async lastMinute(workspaceId: string): Promise<number> {
    return this.rate.perWindow(workspaceId);
  }
}

/**
 * Every node's messages, summed in Redis in 10-second buckets. Each node adds its counts once a
 * second (one round trip for all workspaces, not one per message), so the figure lags by up to a
 * second. While Redis is down the node's own count answers.
 */
export class RedisMessageCounter implements MessageCounter {
  private readonly local = new LocalMessageCounter();
  private unflushed = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly redis: Redis) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  record(workspaceId: string): void {
    this.local.record(workspaceId);
    this.unflushed.set(workspaceId, (this.unflushed.get(workspaceId) ?? 0) + 1);
  }

  async lastMinute(workspaceId: string): Promise<number> {
    const now = Math.floor(Date.now() / BUCKET_MS);
    const keys = Array.from({ length: BUCKETS }, (_, i) => bucketKey(workspaceId, now - i));
    try {
      const counts = await this.redis.mget(...keys);
      return counts.reduce((sum, n) => sum + Number(n ?? 0), 0);
    } catch {
      return this.local.lastMinute(workspaceId);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async flush(): Promise<void> {
    if (this.unflushed.size === 0 || this.redis.status !== 'ready') return;
    const counts = this.unflushed;
    this.unflushed = new Map();
    const bucket = Math.floor(Date.now() / BUCKET_MS);
    const multi = this.redis.multi();
    for (const [workspaceId, n] of counts) {
      const key = bucketKey(workspaceId, bucket);
      multi.incrby(key, n).pexpire(key, BUCKET_MS * (BUCKETS + 1));
    }
    // Lost counts are only a figure on the admin page: not worth a retry.
    await multi.exec().catch(() => undefined);
  }
}

const bucketKey = (workspaceId: string, bucket: number) => `rd:msgs:${workspaceId}:${bucket}`;
