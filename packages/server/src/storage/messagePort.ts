/** Messages, their edits, reactions, mentions, pins, and the numbered change feed. */
export interface MessageRecord {
  id: string;
  channelId: string;
  seq: number;
  authorId: string;
  body: string;
  clientMessageId: string | null;
  threadRootId: string | null;
  replyCount: number;
  lastReplyAt: number | null;
  mentionsChannel: boolean;
  attachmentCount: number;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

export interface ReactionRecord {
  messageId: string;
  userId: string;
  emoji: string;
  createdAt: number;
}

export interface PageRequest {
  /** Only messages with seq below / above these (exclusive). */
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
  /** Ascending (oldest first) or descending (newest first). */
  order: 'asc' | 'desc';
}

export interface MessageStore {
  /** Throws ConflictError('client_message_id') when the author already used that id. */
  insert(message: MessageRecord, mentionedUserIds: string[]): Promise<void>;
  findById(id: string): Promise<MessageRecord | undefined>;
  findByClientId(authorId: string, clientMessageId: string): Promise<MessageRecord | undefined>;
  /** Top-level messages (not thread replies) of a channel, by seq. */
  page(channelId: string, request: PageRequest): Promise<MessageRecord[]>;
  replies(rootId: string, request: PageRequest): Promise<MessageRecord[]>;
  /** Replaces the body, keeping the previous one in the edit history. */
  edit(id: string, body: string, mentionedUserIds: string[], mentionsChannel: boolean, now: number): Promise<void>;
  edits(id: string): Promise<{ body: string; editedAt: number }[]>;
  /**
   * Empties the body and marks it deleted: the row stays as a tombstone. Every stored copy of
   * the content goes with it, atomically: edit history, mentions, reactions, the search index's
   * entry, and the message as its `message.created` / `message.edited` events carry it (rewritten
   * to its tombstone, same seq). Throws NotFoundError for an unknown id.
   */
  markDeleted(id: string, now: number): Promise<void>;
  /** Recounts a thread root's live replies and their latest time. */
  refreshThread(rootId: string): Promise<{ replyCount: number; lastReplyAt: number | null }>;

  addReaction(reaction: ReactionRecord): Promise<boolean>;
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean>;
  reactionsFor(messageIds: string[]): Promise<ReactionRecord[]>;
  mentionsFor(messageIds: string[]): Promise<{ messageId: string; userId: string }[]>;

  pin(channelId: string, messageId: string, by: string, now: number): Promise<boolean>;
  unpin(channelId: string, messageId: string): Promise<boolean>;
  pinnedIds(channelId: string): Promise<string[]>;
  pinnedAmong(messageIds: string[]): Promise<Set<string>>;
}

export interface EventRecord {
  channelId: string;
  seq: number;
  actorId: string;
  createdAt: number;
  /** The event as JSON-compatible data (the protocol's ChannelEvent). */
  payload: unknown;
}

export interface EventStore {
  append(event: EventRecord): Promise<void>;
  /** Events with seq > afterSeq, ascending, at most `limit`. */
  after(channelId: string, afterSeq: number, limit: number): Promise<EventRecord[]>;
  /**
   * The same, with each payload as the UTF-8 bytes of the JSON it is stored as: a pass-through
   * (the change feed) neither parses it nor turns it into a JS string and back.
   */
  afterAsBytes(channelId: string, afterSeq: number, limit: number): Promise<(Omit<EventRecord, 'payload'> & { payloadBytes: Buffer })[]>;
}

export interface SearchRequest {
  workspaceId: string;
  userId: string;
  query: string;
  channelId?: string;
  authorId?: string;
  before?: number;
  after?: number;
  hasFile?: boolean;
  limit: number;
  offset: number;
}

export interface SearchStore {
  /**
   * Messages matching `query` that the user can read now: in the workspace, in public channels
   * or channels the user belongs to, not deleted. Best matches first.
   */
  search(request: SearchRequest): Promise<{ message: MessageRecord; rank: number }[]>;
}
