import type { Bus, BusMessage } from './bus.js';

/** The bus of a single node: synchronous delivery within the process. */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Set<(message: BusMessage) => void>>();

  publish(topic: string, message: BusMessage): void {
    for (const handler of this.topics.get(topic) ?? []) handler(message);
  }

  subscribe(topic: string, handler: (message: BusMessage) => void): () => void {
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.topics.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
