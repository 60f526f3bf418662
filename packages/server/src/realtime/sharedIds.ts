/**
 * One copy of each id string for all the sessions of a node. Ids read from storage are new
 * strings on every read (56 bytes for a UUID), and every session keeps the ids of each channel it
 * follows and each workspace it is in: with many members per channel, one copy for all of them
 * saves most of that. Counted, so an id is let go when its last session does. Nothing depends on
 * which copy a session holds (ids are compared by value): this only saves memory.
 */
export class SharedIds {
  private readonly entries = new Map<string, { id: string; holders: number }>();

  /** The shared copy of `id`, held until `release`. */
  take(id: string): string {
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { id, holders: 1 });
      return id;
    }
    entry.holders++;
    return entry.id;
  }

  release(id: string): void {
    const entry = this.entries.get(id);
    if (entry && --entry.holders === 0) this.entries.delete(id);
  }
}
