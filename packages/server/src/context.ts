import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from './config/env.js';
import type { Storage } from './storage/port.js';
import type { Clock } from './clock.js';
import type { PasswordHasher } from './auth/passwords.js';
import type { AccessTokens } from './auth/accessTokens.js';
import type { StoredChannelEvent } from '@relaydesk/protocol';

/** Hears committed channel changes (the real-time gateway subscribes); never called before commit. */
export type ChangePublisher = (events: StoredChannelEvent[]) => void;

/** Everything an action may touch, built once at start-up and passed down explicitly. */
export interface AppContext {
  config: Config;
  storage: Storage;
  clock: Clock;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  logger: Logger;
  publish: ChangePublisher;
  /** Ephemeral: tells the user's live connections their read marker in a channel moved. */
  notifyReadMoved: (userId: string, channelId: string, lastReadSeq: number) => void;
  /** Present when REDIS_URL is set: shared counters (and, later, fan-out) across nodes. */
  redis: Redis | undefined;
}
