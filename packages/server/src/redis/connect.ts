import { Redis } from 'ioredis';

/**
 * One Redis client per process. Commands fail fast while Redis is down (no unbounded offline
 * queue): callers have fallbacks, and a request must not hang on a missing dependency.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // ioredis reconnects by itself; without a listener an outage would crash the process.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Waits (bounded) for the first connection, so the first requests already share counters. A
 * Redis that is down at start-up does not stop the node: /ready reports it until it answers.
 */
export async function waitForRedis(redis: Redis, timeoutMs = 5000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
