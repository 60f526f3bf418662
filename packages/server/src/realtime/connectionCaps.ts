import { Slots } from './slots.js';

export type CapKind = 'ip' | 'user';

/**
 * Open real-time connections per user and per client address, against their limits. In process
 * for one node (`LocalCaps`); across nodes through Redis (`RedisCaps`), so that a user cannot open
 * the limit on every node.
 */
export interface ConnectionCaps {
  /** Takes a slot; false (and nothing taken) when the key is at its limit. */
  take(kind: CapKind, key: string): Promise<boolean>;
  /** Gives back a slot that `take` gave. */
  release(kind: CapKind, key: string): void;
  /** Open connections of these users, on every node. */
  connectionsOf(userIds: string[]): Promise<number>;
}

export class LocalCaps implements ConnectionCaps {
  protected readonly slots: Record<CapKind, Slots>;

  constructor(limits: Record<CapKind, number>) {
    this.slots = { ip: new Slots(limits.ip), user: new Slots(limits.user) };
  }

  async take(kind: CapKind, key: string): Promise<boolean> {
    return this.slots[kind].take(key);
  }

  release(kind: CapKind, key: string): void {
    this.slots[kind].release(key);
  }

  async connectionsOf(userIds: string[]): Promise<number> {
    return userIds.reduce((sum, id) => sum + this.slots.user.count(id), 0);
  }
}
