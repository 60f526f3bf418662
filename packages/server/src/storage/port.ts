import type { WorkspaceStore } from './workspacePort.js';
import type { BlockStore, ChannelStore } from './channelPort.js';
import type { EventStore, MessageStore, SearchStore } from './messagePort.js';
import type { FileStore } from './filePort.js';

export type * from './workspacePort.js';
export type * from './channelPort.js';
export type * from './messagePort.js';
export type * from './filePort.js';

/**
 * The storage port: what the domain needs from persistence, split by area. Timestamps are
 * epoch milliseconds; ids are server-generated strings. Implementations must make every method
 * atomic on its own (the comment says so where it matters).
 */

export interface UserRecord {
  id: string;
  username: string;
  email: string;
  displayName: string;
  passwordHash: string;
  createdAt: number;
  /** A bot (no password; created by a workspace admin in `botWorkspaceId`). */
  isBot?: boolean;
  botWorkspaceId?: string | null;
  /** SCIM (migration 0013), only on provisioned users: the IdP's userName as sent, its externalId, the provisioning workspace. */
  scimUserName?: string;
  externalId?: string | null;
  scimWorkspaceId?: string;
  /** Provisioned users only: when the profile last changed (SCIM `meta.lastModified`). */
  updatedAt?: number;
  /** Set while deactivated (SCIM `active: false`): no login, every session revoked. */
  deactivatedAt?: number | null;
}

/** What SCIM may change on a user; ConflictError('username' | 'email' | 'scim_user_name' | 'external_id') on a collision. */
export type UserProfileChanges = Partial<Pick<UserRecord, 'username' | 'email' | 'displayName' | 'scimUserName' | 'externalId' | 'deactivatedAt'>> & {
  /** Forget the SCIM identity (SCIM DELETE): the user is no longer a provisioned user of any workspace. */
  unlinkScim?: true;
};

export interface ScimUserQuery {
  workspaceId: string;
  /** Case-insensitive. */
  userName?: string;
  externalId?: string;
  /** 0-based. */
  offset: number;
  limit: number;
}

/** A SCIM group: a private channel of the workspace (migration 0013). */
export interface ScimGroupRecord {
  channelId: string;
  workspaceId: string;
  displayName: string;
  externalId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScimGroupStore {
  create(group: ScimGroupRecord): Promise<void>;
  find(workspaceId: string, channelId: string): Promise<ScimGroupRecord | undefined>;
  /** Oldest first; `displayName` matches exactly. */
  list(workspaceId: string, filter: { displayName?: string; externalId?: string }, offset: number, limit: number): Promise<{ total: number; groups: ScimGroupRecord[] }>;
  update(channelId: string, changes: Partial<Pick<ScimGroupRecord, 'displayName' | 'externalId' | 'updatedAt'>>): Promise<void>;
  delete(channelId: string): Promise<void>;
}

export interface UserStore {
  /** Throws ConflictError('username' | 'email') when either is taken (case-insensitively). */
  create(user: UserRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** `login` is a lower-cased username or email. */
  findByLogin(login: string): Promise<UserRecord | undefined>;
  /** Users with these (lower-case) usernames; unknown names are skipped. */
  findByUsernames(usernames: string[]): Promise<UserRecord[]>;
  /** The bots created in a workspace, oldest first. */
  listBots(workspaceId: string): Promise<UserRecord[]>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  /** The users SCIM provisioned in a workspace, oldest first, with how many match in all. */
  listScim(query: ScimUserQuery): Promise<{ total: number; users: UserRecord[] }>;
  /** Provisioned by SCIM in that workspace, by userName (case-insensitively) or externalId. */
  findScimByUserName(workspaceId: string, userName: string): Promise<UserRecord | undefined>;
  /** Throws NotFoundError, or ConflictError as `UserProfileChanges` says. */
  updateProfile(id: string, changes: UserProfileChanges, now: number): Promise<UserRecord>;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  userAgent: string | null;
  ip: string | null;
  /** 'token' for an API token's session; absent or 'login' for a sign-in. */
  kind?: 'login' | 'token';
  /** What an API token may do; absent or null for a sign-in, which may do everything its user may. */
  scopes?: readonly string[] | null;
}

export interface NewRefreshToken {
  tokenHash: string;
  expiresAt: number;
}

export type RotateOutcome =
  | { status: 'rotated'; session: SessionRecord }
  /** The token was already used once: the caller treats this as theft. */
  | { status: 'reused'; sessionId: string }
  /** Unknown token, or its session is revoked or expired, or the token expired. */
  | { status: 'invalid' };

export interface SessionStore {
  /** Creates the session and its first refresh token together. */
  create(session: SessionRecord, token: NewRefreshToken): Promise<void>;
  findById(id: string): Promise<SessionRecord | undefined>;
  /** The session with its user, in one read: what authenticating a request needs. */
  findWithUser(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  /** The session a refresh token (used or not) belongs to. */
  findByRefreshTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  listActiveForUser(userId: string, now: number): Promise<SessionRecord[]>;
  /**
   * Atomically marks `oldHash` used and stores `next` in the same session, whose expiry moves to
   * `next.expiresAt`. A token can be rotated once: a second attempt, even a concurrent one,
   * reports `reused`.
   */
  rotateRefreshToken(oldHash: string, next: NewRefreshToken, now: number): Promise<RotateOutcome>;
  /** Idempotent. Returns false when no active session had that id for that user. */
  revoke(userId: string, sessionId: string, now: number): Promise<boolean>;
  /** Revokes every active session of the user except `keepSessionId`; returns how many. */
  revokeAllForUser(userId: string, now: number, keepSessionId?: string): Promise<number>;
}

/** An API token: its secret is only ever stored hashed; `sessionId` is the session it signs in as. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  sessionId: string;
  name: string;
  hint: string;
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

export interface TokenStore {
  /** Creates the token's session and the token together. */
  create(token: ApiTokenRecord & { tokenHash: string }, session: SessionRecord): Promise<void>;
  /** The token with its session and user, in one read: what authenticating a request with it needs. */
  findByHash(tokenHash: string): Promise<{ token: ApiTokenRecord; session: SessionRecord; user: UserRecord } | undefined>;
  /** The user's tokens whose session is neither revoked nor expired, with their sessions. */
  listActiveForUser(userId: string, now: number): Promise<{ token: ApiTokenRecord; session: SessionRecord }[]>;
  findById(id: string): Promise<{ token: ApiTokenRecord; session: SessionRecord } | undefined>;
  touch(id: string, now: number, ip: string | null): Promise<void>;
}

export interface IncomingHookRecord {
  id: string;
  workspaceId: string;
  channelId: string;
  botUserId: string;
  name: string;
  createdBy: string;
  createdAt: number;
  rotatedAt: number | null;
  lastUsedAt: number | null;
}

export interface IncomingHookStore {
  create(hook: IncomingHookRecord & { secretHash: string }): Promise<void>;
  findBySecretHash(secretHash: string): Promise<IncomingHookRecord | undefined>;
  findById(id: string): Promise<IncomingHookRecord | undefined>;
  listForChannel(channelId: string): Promise<IncomingHookRecord[]>;
  /** Replaces the secret; false when there is no such hook. */
  rotate(id: string, secretHash: string, now: number): Promise<boolean>;
  touch(id: string, now: number): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export interface AuditRecord {
  id: string;
  workspaceId: string;
  /** Absent for an action without a signed-in actor (a post through an incoming webhook names its bot). */
  actorUserId: string | null;
  /** The API token the action was made with; null for a signed-in session. */
  tokenId: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  createdAt: number;
}

export interface AuditStore {
  append(entry: AuditRecord): Promise<void>;
  /** Newest first; `before` (ms) pages back. */
  list(workspaceId: string, options: { before?: number; limit: number }): Promise<AuditRecord[]>;
}

export interface OutgoingHookRecord {
  id: string;
  workspaceId: string;
  channelId: string;
  botUserId: string;
  name: string;
  url: string;
  triggerWords: string[];
  /** The signing secret, sealed (auth/sealing.ts). */
  secretSealed: string;
  /** How far into the channel's feed messages have been turned into deliveries. */
  lastSeq: number;
  createdBy: string;
  createdAt: number;
  disabledAt: number | null;
  disabledReason: string | null;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryRecord {
  id: string;
  hookId: string;
  messageId: string;
  payload: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number | null;
  createdAt: number;
}

export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface OutgoingHookStore {
  create(hook: OutgoingHookRecord): Promise<void>;
  findById(id: string): Promise<OutgoingHookRecord | undefined>;
  listForChannel(channelId: string): Promise<OutgoingHookRecord[]>;
  /** Every hook that is not disabled, on every channel. */
  listActive(): Promise<OutgoingHookRecord[]>;
  delete(id: string): Promise<boolean>;
  disable(id: string, now: number, reason: string): Promise<void>;
  /**
   * Stores `deliveries` and moves the hook's cursor from `fromSeq` to `toSeq`, together; false
   * (and nothing stored) when the cursor was not at `fromSeq` (another node got there first).
   */
  advance(hookId: string, fromSeq: number, toSeq: number, deliveries: DeliveryRecord[]): Promise<boolean>;
  /** Pending deliveries due by `now`, each leased to the caller until `now + leaseMs` (no other node takes it meanwhile). */
  claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** Logs an attempt and sets what follows it, together. */
  recordAttempt(attempt: AttemptRecord, next: { state: DeliveryState; nextAttemptAt: number | null }): Promise<void>;
  listDeliveries(hookId: string, limit: number): Promise<{ delivery: DeliveryRecord; attempts: AttemptRecord[] }[]>;
  findDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /** Back to pending, due now, keeping its id (and so its webhook-id). */
  redeliver(id: string, now: number): Promise<void>;
}

export interface AppEventRecord {
  workspaceId: string;
  topic: string;
  seq: number;
  type: string;
  /** The event's data, as JSON text. */
  data: string;
  actorId: string;
  createdAt: number;
}

export interface AppEventStore {
  /**
   * Stores the event with the topic's next seq, and its Idempotency-Key, together. When the key
   * was used before, stores nothing and answers the first event with `replayed` (and its
   * fingerprint, for the caller to compare).
   */
  append(
    event: Omit<AppEventRecord, 'seq'>,
    idempotency: { key: string; fingerprint: string },
  ): Promise<{ event: AppEventRecord; replayed: false } | { event: AppEventRecord; replayed: true; fingerprint: string }>;
  after(workspaceId: string, topic: string, afterSeq: number, limit: number): Promise<AppEventRecord[]>;
  /** The topic's last seq (0 for a topic with no event yet). */
  head(workspaceId: string, topic: string): Promise<number>;
}

export interface PasswordLinkStore {
  create(link: { tokenHash: string; userId: string; workspaceId: string; createdBy: string; createdAt: number; expiresAt: number }): Promise<void>;
  /** Marks the link used, once: the user it is for, or undefined when it is unknown, expired or used. */
  consume(tokenHash: string, now: number): Promise<string | undefined>;
}

export interface WsTicketRecord {
  ticketHash: string;
  userId: string;
  sessionId: string;
  createdAt: number;
  expiresAt: number;
}

export interface WsTicketStore {
  create(ticket: WsTicketRecord): Promise<void>;
  /** Atomically consumes an unexpired, unused ticket; a second call with the same hash gets undefined. */
  consume(ticketHash: string, now: number): Promise<{ userId: string; sessionId: string } | undefined>;
  /** Deletes tickets that expired before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly wsTickets: WsTicketStore;
  readonly tokens: TokenStore;
  readonly incomingHooks: IncomingHookStore;
  readonly audit: AuditStore;
  readonly outgoingHooks: OutgoingHookStore;
  readonly appEvents: AppEventStore;
  readonly passwordLinks: PasswordLinkStore;
  readonly workspaces: WorkspaceStore;
  readonly channels: ChannelStore;
  readonly blocks: BlockStore;
  readonly messages: MessageStore;
  readonly events: EventStore;
  readonly search: SearchStore;
  readonly files: FileStore;
  readonly scimGroups: ScimGroupStore;
  /**
   * Runs `work` in one transaction with a storage bound to it: all of it commits or none does.
   * Inside, use only `tx` (on SQLite the outer storage waits for the transaction to end).
   */
  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T>;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
