/**
 * Runs async tasks one after another per key (different keys run side by side) and forgets a
 * key once its queue is empty. Used where a later publish must not overtake an earlier one of
 * the same user or channel while both wait for a database read.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
