import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/env.js';
import { NodeRegistry } from '../cluster/nodeRegistry.js';
import type { Bus } from './bus.js';
import { LocalCaps, type ConnectionCaps } from './connectionCaps.js';
import { MemoryBus } from './memoryBus.js';
import { MemoryPresence } from './memoryPresence.js';
import { LocalMessageCounter, RedisMessageCounter, type MessageCounter } from './messageCounters.js';
import type { PresenceStore } from './presence.js';
import { RedisBus } from './redisBus.js';
import { RedisCaps } from './redisCaps.js';
import { RedisPresence } from './redisPresence.js';

/** What the gateway shares with the other nodes, or keeps to itself on a single node. */
export interface RealtimeBackend {
  bus: Bus;
  presence: PresenceStore;
  caps: ConnectionCaps;
  messages: MessageCounter;
  /** Runs after the bus may have lost messages (the gateway catches its sessions up from storage). */
  onResync(listener: () => Promise<void>): void;
  /** Connects what needs connecting; resolves (bounded) once the bus is subscribed. */
  start(): Promise<void>;
  /** After the gateway has closed its connections. */
  close(): Promise<void>;
}

/** How often a node says it is alive; a node silent for the presence grace period plus a beat (at least 3 beats) is dead. */
const HEARTBEAT_MS = 1000;

/** In process for one node; through Redis when REDIS_URL is set (PRODUCT.md, "Scale-out"). */
export function realtimeBackend(config: Config, redis: Redis | undefined, registry: Registry, logger: Logger): RealtimeBackend {
  const limits = { ip: config.maxConnectionsPerIp, user: config.maxConnectionsPerUser };
  if (!redis) {
    const bus = new MemoryBus();
    return {
      bus,
      presence: new MemoryPresence(config.presenceGraceMs),
      caps: new LocalCaps(limits),
      messages: new LocalMessageCounter(),
      onResync: () => undefined,
      start: async () => undefined,
      close: async () => undefined,
    };
  }
  const heartbeatMs = Math.min(HEARTBEAT_MS, Math.max(100, Math.floor(config.presenceGraceMs / 3)));
  // Silent for a whole grace period counted from its death, not from its last beat (up to one
  // beat earlier): a crashed node's users go offline no sooner than a closed tab's would.
  const deadAfterMs = Math.max(config.presenceGraceMs + heartbeatMs, heartbeatMs * 3);
  const nodes = new NodeRegistry(redis, { nodeId: config.nodeId, heartbeatMs, deadAfterMs }, logger);
  const bus = new RedisBus(redis, config.nodeId, registry, logger);
  const messages = new RedisMessageCounter(redis);
  return {
    bus,
    presence: new RedisPresence(redis, nodes, config.presenceGraceMs, logger),
    caps: new RedisCaps(limits, redis, nodes, logger),
    messages,
    onResync: (listener) => bus.onResync(listener),
    start: async () => {
      await bus.start();
      await nodes.start();
    },
    close: async () => {
      nodes.stop();
      messages.close();
    },
  };
}
