import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from './config/env.js';
import type { AppEventRecord, Storage } from './storage/port.js';
import type { Clock } from './clock.js';
import type { PasswordHasher } from './auth/passwords.js';
import type { AccessTokens } from './auth/accessTokens.js';
import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { PresenceReader } from './realtime/presence.js';
import type { RevokedSessions } from './realtime/bus.js';
import type { BlobStore } from './files/blobStore.js';

/** Hears committed channel changes (the real-time gateway subscribes); never called before commit. */
export type ChangePublisher = (events: StoredChannelEvent[]) => void;

/** The real-time gateway's side of the context: wired by `buildApp` once the gateway exists. */
export type RealtimeHooks = Pick<AppContext, 'publish' | 'publishAppEvent' | 'notifyReadMoved' | 'notifyTyping' | 'typingDue' | 'notifyWorkspaceMembership' | 'revokeLiveAccess' | 'presence' | 'liveActivity'>;

/** Everything an action may touch, built once at start-up and passed down explicitly. */
export interface AppContext {
  config: Config;
  storage: Storage;
  clock: Clock;
  passwords: PasswordHasher;
  accessTokens: AccessTokens;
  logger: Logger;
  publish: ChangePublisher;
  /** A committed app event: to the connections subscribed to its topic, on every node. */
  publishAppEvent: (event: AppEventRecord) => void;
  /** Ephemeral: tells the user's live connections their read marker in a channel moved (and small channels' members, as a receipt). */
  notifyReadMoved: (userId: string, channelId: string, lastReadSeq: number) => void;
  /** Ephemeral: an (authorized) member is typing in a channel. */
  notifyTyping: (userId: string, workspaceId: string, channelId: string) => void;
  /** False while this user's last typing notice in the channel is too recent to relay another (checks, takes nothing). */
  typingDue: (userId: string, channelId: string) => boolean;
  /** A user joined or left a workspace: their live connections start or stop hearing its members' presence. */
  notifyWorkspaceMembership: (userId: string, workspaceId: string, member: boolean) => void;
  /** Sessions of the user were revoked (already, in storage): their live connections close (4004) on every node. */
  revokeLiveAccess: (userId: string, sessions: RevokedSessions) => void;
  /** Who is online, away or offline (aggregated over each user's connections). */
  presence: PresenceReader;
  /** Live figures for the admin page: open connections of these users, messages created in the workspace in the last minute. */
  liveActivity: {
    connections(userIds: string[]): Promise<number>;
    messagesLastMinute(workspaceId: string): Promise<number>;
  };
  /** Tells the outgoing-webhook queue that something may be due (a message was sent, a redelivery asked for). */
  webhookQueue: { poke(): void };
  /** Set on SIGTERM: /ready answers 503 so the balancer stops sending new clients, while the node still serves. */
  lifecycle: { draining: boolean };
  /** Where uploaded file bytes live. */
  blobs: BlobStore;
  /** Present when REDIS_URL is set: shared counters (and, later, fan-out) across nodes. */
  redis: Redis | undefined;
}
