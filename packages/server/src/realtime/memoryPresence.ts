import type { ConnectionStatus, PresenceStatus } from '@relaydesk/protocol';
import type { PresenceStore } from './presence.js';

interface UserPresence {
  connections: Map<string, ConnectionStatus>;
  /** The status last announced; kept through the grace period after the last connection closed. */
  shown: PresenceStatus;
  offlineTimer?: NodeJS.Timeout;
}

/** The presence of a single node: every connection of a user is on this process. */
export class MemoryPresence implements PresenceStore {
  private readonly users = new Map<string, UserPresence>();
  private readonly listeners: ((userId: string, status: PresenceStatus) => void)[] = [];
  private closed = false;

  constructor(private readonly graceMs: number) {}

  get trackedUsers(): number {
    return this.users.size;
  }

  async set(userId: string, connectionId: string, status: ConnectionStatus): Promise<void> {
    if (this.closed) return;
    let user = this.users.get(userId);
    if (!user) this.users.set(userId, (user = { connections: new Map(), shown: 'offline' }));
    // Back within the grace period (a reload): nobody was told about the gap.
    clearTimeout(user.offlineTimer);
    user.offlineTimer = undefined;
    user.connections.set(connectionId, status);
    this.settle(userId, user);
  }

  async remove(userId: string, connectionId: string): Promise<void> {
    const user = this.users.get(userId);
    if (this.closed || !user?.connections.delete(connectionId)) return;
    if (user.connections.size > 0) return this.settle(userId, user);
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
    this.listeners.length = 0;
  }

  private settle(userId: string, user: UserPresence): void {
    let status: PresenceStatus = 'away';
    for (const s of user.connections.values()) if (s === 'active') status = 'online';
    if (status === user.shown) return;
    user.shown = status;
    this.emit(userId, status);
  }

  private emit(userId: string, status: PresenceStatus): void {
    for (const listener of this.listeners) listener(userId, status);
  }
}
