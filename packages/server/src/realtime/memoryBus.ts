import type { Bus, BusMessage, BusSubscriber } from './bus.js';

/**
 * The bus of a single node: synchronous delivery within the process. A topic with a single
 * subscriber (a user's topic with one tab open, the usual case) holds it without a `Set`: with
 * one user topic per connection, the set would be most of what a subscription costs.
 */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, BusSubscriber | Set<BusSubscriber>>();

  publish(topic: string, message: BusMessage): void {
    const subscribers = this.topics.get(topic);
    if (subscribers instanceof Set) for (const s of subscribers) s.onBusMessage(message, topic);
    else subscribers?.onBusMessage(message, topic);
  }

  /** Whether anyone on this node listens to `topic` (a message from another node for nobody here is not even parsed). */
  hasSubscribers(topic: string): boolean {
    return this.topics.has(topic);
  }

  subscribe(topic: string, subscriber: BusSubscriber): void {
    const current = this.topics.get(topic);
    if (current === undefined) this.topics.set(topic, subscriber);
    else if (current instanceof Set) current.add(subscriber);
    else if (current !== subscriber) this.topics.set(topic, new Set([current, subscriber]));
  }

  unsubscribe(topic: string, subscriber: BusSubscriber): void {
    const current = this.topics.get(topic);
    if (current === subscriber) this.topics.delete(topic);
    else if (current instanceof Set && current.delete(subscriber) && current.size === 1) {
      // Back to a single subscriber: drop the set (a publish iterating it still sees the rest).
      const [last] = current;
      this.topics.set(topic, last!);
    }
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
