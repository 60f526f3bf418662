import type { ConnectionStatus, PresenceStatus } from '@relaydesk/protocol';

/** What the REST snapshot needs: the current status of some users (`offline` when unknown). */
export interface PresenceReader {
  statuses(userIds: string[]): Promise<Map<string, PresenceStatus>>;
}

/**
 * Presence per user, aggregated over all of the user's connections (tabs, devices): `online` if
 * any is active, `away` if every one is away, `offline` only once the last one has been closed for
 * the grace period, so a page reload does not flap. In process now (`MemoryPresence`); a Redis
 * implementation keeps this contract across nodes (PRODUCT.md).
 */
export interface PresenceStore extends PresenceReader {
  /** A connection opened (as `active`) or changed its status. */
  set(userId: string, connectionId: string, status: ConnectionStatus): Promise<void>;
  /** A connection closed. */
  remove(userId: string, connectionId: string): Promise<void>;
  /** Hears each change of a user's aggregate status, once, in order per user. */
  onChange(listener: (userId: string, status: PresenceStatus) => void): void;
  close(): Promise<void>;
}
