import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Bus, BusMessage, BusSubscriber } from './bus.js';
import { decodeBusMessage, encodeBusMessage } from './busWire.js';
import { MemoryBus } from './memoryBus.js';

/** One Redis channel for the whole bus: every node hears every message, in each publisher's order. */
const CHANNEL = 'rd:bus';
/** The body of "catch up from storage": published by a node whose publishes were lost. */
const RESYNC = 'resync';
const RESYNC_RETRY_MS = 1000;

/**
 * The bus across nodes: a message is delivered at once to this node's subscribers (so a node's
 * own clients never wait on Redis, nor miss anything while it is down) and published on Redis
 * pub/sub for the others.
 *
 * Redis pub/sub is at most once: a node that is disconnected misses what is published meanwhile,
 * and a publish can fail. So it is only a hint. The truth is storage: whenever this node's
 * subscription is (re-)established, and whenever another node says its publishes were lost, the
 * node "resyncs" — every session catches up its channels from storage and re-checks that its
 * sign-in session is still valid (see Gateway.resync). In between, a lost or reordered change
 * shows up as a gap in its channel's seq and is filled from storage by the session that sees it.
 *
 * Every node hears every message and drops those for topics nobody here follows before parsing
 * them. That is simple and cannot miss a message while a subscription is being set up; past a few
 * nodes, per-workspace channels would cut the traffic each node reads (docs/operations.md).
 */
export class RedisBus implements Bus {
  private readonly local = new MemoryBus();
  private readonly sub: Redis;
  private readonly resyncListeners: (() => Promise<void>)[] = [];
  private resyncing: Promise<void> | undefined;
  private resyncAgain = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private firstSubscription: (() => void) | undefined;
  private readonly prefix: string;
  private readonly metrics;

  constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.prefix = `${nodeId}\n`;
    const registers = [registry];
    this.metrics = {
      up: new Gauge({ name: 'relaydesk_bus_redis_up', help: '1 while this node is subscribed to the Redis bus', registers }),
      published: new Counter({ name: 'relaydesk_bus_published_total', help: 'Bus messages published to Redis', registers }),
      received: new Counter({ name: 'relaydesk_bus_received_total', help: 'Bus messages from other nodes delivered here', registers }),
      publishFailures: new Counter({ name: 'relaydesk_bus_publish_failures_total', help: 'Publishes to Redis that failed (other nodes catch up from storage)', registers }),
      resyncs: new Counter({ name: 'relaydesk_bus_resyncs_total', help: 'Catch-ups from storage after a Redis reconnect or another node\'s lost publishes', registers }),
      reconnects: new Counter({ name: 'relaydesk_bus_reconnects_total', help: 'Times the bus subscription was (re-)established', registers }),
    };
    // Its own connection: a subscribed connection can do nothing else. Subscribing is ours to
    // redo on every reconnect (then the resync), rather than ioredis' silently.
    this.sub = redis.duplicate({ autoResubscribe: false, lazyConnect: true });
    this.sub.on('error', (err: Error) => this.logger.debug({ err }, 'Redis bus connection error'));
    this.sub.on('close', () => this.metrics.up.set(0));
    this.sub.on('ready', () => void this.subscribed());
    this.sub.on('message', (_channel: string, payload: string) => this.received(payload));
  }

  /** Connects the subscription; resolves once subscribed or after `timeoutMs` (Redis may come later). */
  async start(timeoutMs = 5000): Promise<void> {
    const subscribed = new Promise<void>((resolve) => (this.firstSubscription = resolve));
    this.sub.connect().catch(() => undefined);
    await Promise.race([subscribed, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /** Runs after every (re-)subscription and every resync request: catch up from storage. */
  onResync(listener: () => Promise<void>): void {
    this.resyncListeners.push(listener);
  }

  publish(topic: string, message: BusMessage): void {
    this.local.publish(topic, message);
    if (this.closed) return;
    this.send(`${this.prefix}${topic}\n${encodeBusMessage(message)}`);
  }

  subscribe(topic: string, subscriber: BusSubscriber): void {
    this.local.subscribe(topic, subscriber);
  }

  unsubscribe(topic: string, subscriber: BusSubscriber): void {
    this.local.unsubscribe(topic, subscriber);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.resyncTimer);
    clearTimeout(this.retryTimer);
    this.sub.disconnect();
    await this.resyncing;
    await this.local.close();
  }

  private send(payload: string): void {
    if (this.redis.status !== 'ready') return this.lost();
    this.redis.publish(CHANNEL, payload).then(
      () => this.metrics.published.inc(),
      () => this.lost(),
    );
  }

  /** A publish did not reach Redis: the other nodes are told to catch up as soon as it can be said. */
  private lost(): void {
    this.metrics.publishFailures.inc();
    if (this.resyncTimer || this.closed) return;
    const retry = () => {
      this.resyncTimer = undefined;
      if (this.closed) return;
      if (this.redis.status !== 'ready') {
        this.resyncTimer = setTimeout(retry, RESYNC_RETRY_MS).unref();
        return;
      }
      this.redis.publish(CHANNEL, `${this.prefix}\n${RESYNC}`).catch(() => {
        this.resyncTimer ??= setTimeout(retry, RESYNC_RETRY_MS).unref();
      });
    };
    this.resyncTimer = setTimeout(retry, RESYNC_RETRY_MS).unref();
  }

  private received(payload: string): void {
    if (payload.startsWith(this.prefix)) return;
    const start = payload.indexOf('\n') + 1;
    const end = payload.indexOf('\n', start);
    if (start === 0 || end < 0) return;
    const topic = payload.slice(start, end);
    if (topic === '') {
      if (payload.slice(end + 1) === RESYNC) void this.resync();
      return;
    }
    if (!this.local.hasSubscribers(topic)) return;
    let message: BusMessage;
    try {
      message = decodeBusMessage(payload.slice(end + 1));
    } catch (err) {
      this.logger.error({ err }, 'unreadable bus message from another node');
      return;
    }
    this.metrics.received.inc();
    this.local.publish(topic, message);
  }

  private async subscribed(): Promise<void> {
    try {
      await this.sub.subscribe(CHANNEL);
    } catch (err) {
      this.logger.warn({ err }, 'subscribing to the Redis bus failed; retrying on the next reconnect');
      return;
    }
    this.metrics.up.set(1);
    this.metrics.reconnects.inc();
    this.firstSubscription?.();
    this.firstSubscription = undefined;
    // Whatever was published while this node was not subscribed is only in storage now.
    await this.resync();
  }

  private retryResync(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.resync();
    }, RESYNC_RETRY_MS * 2).unref();
  }

  /** Catch-ups run one at a time; requests meanwhile are folded into one more run. */
  private resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return this.resyncing;
    }
    this.resyncing = (async () => {
      do {
        this.resyncAgain = false;
        this.metrics.resyncs.inc();
        for (const listener of this.resyncListeners) {
          await listener().catch((err: unknown) => {
            // Storage may be down too: what was missed is still only there, so try again.
            this.logger.error({ err }, 'catching up from storage after a bus gap failed; retrying');
            this.retryResync();
          });
        }
      } while (this.resyncAgain && !this.closed);
    })().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }
}
