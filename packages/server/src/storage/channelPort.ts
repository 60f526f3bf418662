import type { WorkspaceMemberRecord } from './workspacePort.js';

/** Channels (public, private, DMs, group DMs), their members, read state and blocks. */
export type ChannelKind = 'public' | 'private' | 'dm' | 'group_dm';

export interface ChannelRecord {
  id: string;
  workspaceId: string;
  kind: ChannelKind;
  name: string | null;
  slug: string | null;
  topic: string;
  createdBy: string;
  createdAt: number;
  archivedAt: number | null;
  lastSeq: number;
  conversationKey: string | null;
}

export interface ChannelMemberRecord {
  channelId: string;
  userId: string;
  joinedAt: number;
  lastReadSeq: number;
}

export interface ChannelMemberProfile extends ChannelMemberRecord {
  username: string;
  displayName: string;
}

export interface UnreadRecord {
  channelId: string;
  workspaceId: string;
  lastReadSeq: number;
  lastSeq: number;
  unreadCount: number;
  mentionCount: number;
}

export interface ChannelStore {
  /** Throws ConflictError('slug') or ConflictError('conversation_key'). */
  create(channel: ChannelRecord): Promise<void>;
  findById(id: string): Promise<ChannelRecord | undefined>;
  /** The channel with the user's workspace and channel memberships, in one query (authorization's hot path). */
  findWithMemberships(
    id: string,
    userId: string,
  ): Promise<{ channel: ChannelRecord; workspaceMember: WorkspaceMemberRecord | undefined; channelMember: ChannelMemberRecord | undefined } | undefined>;
  findByConversationKey(workspaceId: string, key: string): Promise<ChannelRecord | undefined>;
  /** Throws ConflictError('slug'). */
  update(id: string, changes: Partial<Pick<ChannelRecord, 'name' | 'slug' | 'topic' | 'archivedAt'>>): Promise<ChannelRecord>;
  /**
   * Takes the channel's next sequence number. Call inside a transaction with the change it
   * numbers: the row lock it takes serialises writers per channel, and a rollback returns the number.
   */
  nextSeq(id: string): Promise<number>;
  /** Public channels of the workspace plus every channel the user belongs to there. */
  listVisible(workspaceId: string, userId: string): Promise<(ChannelRecord & { isMember: boolean })[]>;
  getMember(channelId: string, userId: string): Promise<ChannelMemberRecord | undefined>;
  /** False when already a member. */
  addMember(member: ChannelMemberRecord): Promise<boolean>;
  removeMember(channelId: string, userId: string): Promise<boolean>;
  listMembers(channelId: string): Promise<ChannelMemberProfile[]>;
  memberIds(channelId: string): Promise<string[]>;
  countMembers(channelId: string): Promise<number>;
  /** Every channel the user belongs to, across workspaces, with its latest seq. */
  membershipsOf(userId: string): Promise<{ channelId: string; workspaceId: string; lastSeq: number }[]>;
  /** Moves the read marker forward only; returns the marker after the call. */
  markRead(channelId: string, userId: string, seq: number): Promise<number>;
  /** Every channel of the user with unread (capped) and mention counts, in one query. */
  unreads(userId: string, cap: number): Promise<UnreadRecord[]>;
  /** Members whose read marker is at or past `seq`. */
  readersAt(channelId: string, seq: number): Promise<ChannelMemberProfile[]>;
}

export interface BlockStore {
  block(blockerId: string, blockedId: string, now: number): Promise<void>;
  unblock(blockerId: string, blockedId: string): Promise<void>;
  listBlocked(blockerId: string): Promise<string[]>;
  /** Which of `userIds` have blocked `userId`. */
  blockersAmong(userId: string, userIds: string[]): Promise<string[]>;
}
