import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';

export type LimitName = 'login_ip' | 'login_account' | 'api_user' | 'anon_ip';

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets (and, when refused, until a retry can succeed). */
  resetMs: number;
}

/**
 * The product's rate limits (PRODUCT.md), one fixed one-minute window per key. Counters live in
 * process, or in Redis when REDIS_URL is set so that every node counts against the same budget.
 * If Redis stops answering, each node falls back to its own in-memory counters rather than
 * refusing (or waving through) every request.
 */
export class RateLimits {
  private readonly limiters: Record<LimitName, RateLimiterAbstract>;

  constructor(config: Config['rateLimits'], redis?: Redis) {
    const perMinute = (keyPrefix: string, points: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
      if (!redis) return memory;
      return new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${keyPrefix}`, points, duration: 60, insuranceLimiter: memory });
    };
    this.limiters = {
      login_ip: perMinute('login_ip', config.loginPerMin),
      login_account: perMinute('login_account', config.loginPerMin),
      api_user: perMinute('api_user', config.apiPerMin),
      anon_ip: perMinute('anon_ip', config.anonPerMin),
    };
  }

  async consume(name: LimitName, key: string): Promise<LimitDecision> {
    const limiter = this.limiters[name];
    try {
      const res = await limiter.consume(key);
      return { allowed: true, limit: limiter.points, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
    } catch (rejection) {
      // The library rejects with a RateLimiterRes when over the limit, and with an Error when its store fails.
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { allowed: false, limit: limiter.points, remaining: 0, resetMs: rejection.msBeforeNext };
    }
  }
}
