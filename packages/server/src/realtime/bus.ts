import type { StoredChannelEvent } from '@relaydesk/protocol';
import type { OutFrame } from './frames.js';

/**
 * What travels on the bus: a numbered change, an ephemeral notice (typing, read marker, receipt,
 * presence), a workspace membership change, or sessions that lost access.
 */
export type BusMessage = ChangeMessage | NoticeMessage | WorkspaceMessage | RevocationMessage | AppEventMessage;

/** An app event (stored, numbered per topic): like a change, a subscriber that sees a gap fills it from storage. */
export interface AppEventMessage {
  kind: 'app';
  workspaceId: string;
  topic: string;
  seq: number;
  frame: OutFrame;
}

/** A committed change with its frame, serialized once for every recipient. */
export interface ChangeMessage {
  kind: 'change';
  workspaceId: string;
  event: StoredChannelEvent;
  frame: OutFrame;
  /** When it was published (after commit), for the delivery-latency metric: monotonic ms, so only meaningful in the publishing process. */
  publishedAt: number;
}

/** Not stored, not numbered: delivered to whoever listens now, or lost. */
export interface NoticeMessage {
  kind: 'notice';
  frame: OutFrame;
  /** For channel notices: the channel, and who caused it (not echoed back to them). */
  channelId?: string;
  fromUserId?: string;
  /** Set when one notice goes out on several topics (presence: every workspace of the user), so a listener of two delivers it once. */
  id?: string;
}

/** On a user's topic: they joined or left a workspace, so their connections start or stop hearing its presence. */
export interface WorkspaceMessage {
  kind: 'workspace';
  workspaceId: string;
  member: boolean;
}

/**
 * Which of a user's sign-in sessions lost access: some by id (logout, "sign out that device",
 * refresh-token reuse), or every one but `allExcept` (a password change keeps the session it was
 * made in; deactivation keeps none). Plain JSON, so a bus between nodes carries it as it is.
 */
export type RevokedSessions = { ids: readonly string[] } | { allExcept: string | undefined };

/**
 * On a user's topic: those sessions are revoked. Every node's connections of the user hear it
 * and those of a matching session close (4004), so revocation needs no registry of who is where.
 */
export interface RevocationMessage {
  kind: 'revoked';
  sessions: RevokedSessions;
}

/** Whether `sessionId` is among `revoked`. */
export function isRevoked(revoked: RevokedSessions, sessionId: string): boolean {
  return 'ids' in revoked ? revoked.ids.includes(sessionId) : revoked.allExcept !== sessionId;
}

/** Hears a topic's messages. One object may listen to many topics (a session listens to all of its own). */
export interface BusSubscriber {
  onBusMessage(message: BusMessage, topic: string): void;
}

/**
 * Fan-out of committed changes to the connections that want them. Topics are namespaced by
 * workspace: `ws:{workspaceId}:ch:{channelId}` for a channel, `ws:{workspaceId}:presence` for the
 * presence of its members; `user:{userId}` carries what concerns one user (being added to a
 * channel or a workspace, in any workspace; the revocation of their sessions).
 *
 * Guarantee: best effort, in publish order per topic, to subscribers alive at publish time. The
 * bus is not the source of truth: a subscriber that sees a gap in a channel's seq fills it from
 * storage, so a lost or reordered publish delays an event but never loses it.
 * A revocation has no such backstop (a connection does not poll its session): a bus between
 * nodes that can drop messages — Redis pub/sub while a node reconnects — must have that node
 * re-check its connections' sessions once it is back.
 *
 * Subscribers are objects rather than callbacks, and unsubscribing names the topic again, so that
 * a connection holds no closure or topic string per subscription (see docs/performance.md).
 */
export interface Bus {
  publish(topic: string, message: BusMessage): void;
  /** Subscribing twice to the same topic is the same as once. */
  subscribe(topic: string, subscriber: BusSubscriber): void;
  unsubscribe(topic: string, subscriber: BusSubscriber): void;
  close(): Promise<void>;
}

export const channelTopic = (workspaceId: string, channelId: string) => `ws:${workspaceId}:ch:${channelId}`;
export const presenceTopic = (workspaceId: string) => `ws:${workspaceId}:presence`;
/** The workspace of a presence topic. */
export const presenceTopicWorkspace = (topic: string) => topic.slice('ws:'.length, -':presence'.length);
export const appEventTopic = (workspaceId: string, topic: string) => `ws:${workspaceId}:app:${topic}`;
/** Not namespaced by workspace: it must reach a user's sockets for workspaces joined after they connected. */
export const userTopic = (userId: string) => `user:${userId}`;

/** Which of the kinds of topic above `topic` is. */
export function topicKind(topic: string): 'user' | 'presence' | 'channel' | 'app' {
  if (topic.startsWith('user:')) return 'user';
  if (topic.endsWith(':presence')) return 'presence';
  return topic.includes(':app:') ? 'app' : 'channel';
}
