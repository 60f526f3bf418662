/** A minimal typed event emitter that runs in browsers and Node alike. */
export class Emitter<Events extends Record<string, unknown[]>> {
  private listeners: { [K in keyof Events]?: Set<(...args: Events[K]) => void> } = {};

  on<K extends keyof Events>(name: K, listener: (...args: Events[K]) => void): () => void {
    (this.listeners[name] ??= new Set()).add(listener);
    return () => this.listeners[name]?.delete(listener);
  }

  protected emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    for (const listener of this.listeners[name] ?? []) listener(...args);
  }
}
