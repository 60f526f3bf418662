import { startRestartableRedis } from './restartableRedis.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  /** Stops it (SIGKILL: a crash, every key lost, as without persistence) and starts it again on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
}

/** A throwaway redis-server from Debian's package on a random loopback port, no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const redis = await startRestartableRedis();
  return {
    url: redis.url,
    stop: () => redis.stop(),
    restart: async ({ downMs = 0 } = {}) => {
      await redis.halt({ kill: true });
      await new Promise((r) => setTimeout(r, downMs));
      await redis.start();
    },
  };
}
