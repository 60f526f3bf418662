import type { ConnectionStatus, PresenceStatus } from '@relaydesk/protocol';
import type { PresenceStore } from './presence.js';

/** A user's connections, counted: the aggregate only depends on how many there are and how many are active. */
interface UserPresence {
  connections: number;
  active: number;
  /** The status last announced; kept through the grace period after the last connection closed. */
  shown: PresenceStatus;
  offlineTimer?: NodeJS.Timeout;
}

/** The presence of a single node: every connection of a user is on this process. */
export class MemoryPresence implements PresenceStore {
  private readonly users = new Map<string, UserPresence>();
  /** Every connection's own status, whoever's it is: one map for the node rather than one per user (most users have one connection). */
  private readonly statusOf = new Map<string, ConnectionStatus>();
  private readonly listeners: ((userId: string, status: PresenceStatus) => void)[] = [];
  private closed = false;

  constructor(private readonly graceMs: number) {}

  get trackedUsers(): number {
    return this.users.size;
  }

  async set(userId: string, connectionId: string, status: ConnectionStatus): Promise<void> {
    if (this.closed) return;
    let user = this.users.get(userId);
    if (!user) this.users.set(userId, (user = { connections: 0, active: 0, shown: 'offline', offlineTimer: undefined }));
    // Back within the grace period (a reload): nobody was told about the gap.
    clearTimeout(user.offlineTimer);
    user.offlineTimer = undefined;
    const previous = this.statusOf.get(connectionId);
    if (previous === undefined) user.connections++;
    else if (previous === 'active') user.active--;
    if (status === 'active') user.active++;
    this.statusOf.set(connectionId, status);
    this.settle(userId, user);
  }

  async remove(userId: string, connectionId: string): Promise<void> {
    const user = this.users.get(userId);
    const status = this.statusOf.get(connectionId);
    if (this.closed || !user || status === undefined) return;
    this.statusOf.delete(connectionId);
    user.connections--;
    if (status === 'active') user.active--;
    if (user.connections > 0) return this.settle(userId, user);
    user.offlineTimer = setTimeout(() => {
      this.users.delete(userId);
      this.emit(userId, 'offline');
    }, this.graceMs);
    user.offlineTimer.unref();
  }

  async statuses(userIds: string[]): Promise<Map<string, PresenceStatus>> {
    return new Map(userIds.map((id) => [id, this.users.get(id)?.shown ?? 'offline']));
  }

  onChange(listener: (userId: string, status: PresenceStatus) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const user of this.users.values()) clearTimeout(user.offlineTimer);
    this.users.clear();
    this.statusOf.clear();
    this.listeners.length = 0;
  }

  /** Online if any connection is active, away if every one is away. */
  private settle(userId: string, user: UserPresence): void {
    const status: PresenceStatus = user.active > 0 ? 'online' : 'away';
    if (status === user.shown) return;
    user.shown = status;
    this.emit(userId, status);
  }

  private emit(userId: string, status: PresenceStatus): void {
    for (const listener of this.listeners) listener(userId, status);
  }
}
