import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import { monotonicClock, type MonotonicClock } from '../clock.js';
import { FixedWindowCounter } from './fixedWindow.js';

export type LimitName = 'login_ip' | 'login_account' | 'api_user' | 'anon_ip' | 'webhook';

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets (and, when refused, until a retry can succeed). */
  resetMs: number;
}

const WINDOW_SECONDS = 60;

interface Limiter {
  points: number;
  local: FixedWindowCounter;
  shared: RateLimiterRedis | undefined;
}

/**
 * The product's rate limits (PRODUCT.md), one fixed one-minute window per key. Counters live in
 * process, or in Redis when REDIS_URL is set so that every node counts against the same budget.
 * If Redis stops answering, each node falls back to its own in-memory counters rather than
 * refusing (or waving through) every request. No window is measured on this node's wall clock:
 * local windows run on monotonic time, shared ones on Redis key TTLs (PTTL), which Redis keeps.
 */
export class RateLimits {
  private readonly limiters: Record<LimitName, Limiter>;

  constructor(config: Config['rateLimits'], redis?: Redis, clock: MonotonicClock = monotonicClock) {
    const perMinute = (keyPrefix: string, points: number): Limiter => ({
      points,
      local: new FixedWindowCounter(WINDOW_SECONDS * 1000, clock),
      shared: redis && new RateLimiterRedis({ storeClient: redis, keyPrefix: `rl:${keyPrefix}`, points, duration: WINDOW_SECONDS }),
    });
    this.limiters = {
      login_ip: perMinute('login_ip', config.loginPerMin),
      login_account: perMinute('login_account', config.loginPerMin),
      api_user: perMinute('api_user', config.apiPerMin),
      anon_ip: perMinute('anon_ip', config.anonPerMin),
      webhook: perMinute('webhook', config.webhookPerMin),
    };
  }

  async consume(name: LimitName, key: string): Promise<LimitDecision> {
    const limiter = this.limiters[name];
    if (limiter.shared) {
      try {
        const res = await limiter.shared.consume(key);
        return { allowed: true, limit: limiter.points, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
      } catch (rejection) {
        // The library rejects with a RateLimiterRes when over the limit, and with an Error when
        // Redis fails: then this node counts alone until Redis answers again.
        if (rejection instanceof RateLimiterRes) return { allowed: false, limit: limiter.points, remaining: 0, resetMs: rejection.msBeforeNext };
      }
    }
    const { count, msLeft } = limiter.local.hit(key);
    return { allowed: count <= limiter.points, limit: limiter.points, remaining: Math.max(0, limiter.points - count), resetMs: msLeft };
  }
}
