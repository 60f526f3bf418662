import type { Channel, ConnectionState, Member, Message, OutboxItem, PresenceStatus, Unread, User, Workspace } from '@relaydesk/client';

export interface Timeline {
  /** Top-level messages, oldest first. */
  messages: Message[];
  hasMoreBefore: boolean;
  loading: boolean;
  /** Where the "new messages" divider goes: the read marker when the channel was opened. */
  dividerAfterSeq: number | null;
}

export interface ChatState {
  me: User | null;
  workspaces: Workspace[];
  workspaceId: string | null;
  channels: Record<string, Channel>;
  members: Record<string, Member>;
  timelines: Record<string, Timeline>;
  /** Thread replies by root message id, oldest first. */
  threads: Record<string, Message[]>;
  unreads: Record<string, Unread>;
  /** channelId → userId → when the typing notice expires (ms since epoch). */
  typing: Record<string, Record<string, number>>;
  presence: Record<string, PresenceStatus>;
  /** channelId → userId → that member's read marker. */
  readMarkers: Record<string, Record<string, number>>;
  outbox: OutboxItem[];
  connection: ConnectionState;
  selectedChannelId: string | null;
  threadRootId: string | null;
  /** A message to scroll to and highlight (search results, pins). */
  focusMessageId: string | null;
  /** The latest message announced to screen readers. */
  announcement: string;
}

export const initialState: ChatState = {
  me: null,
  workspaces: [],
  workspaceId: null,
  channels: {},
  members: {},
  timelines: {},
  threads: {},
  unreads: {},
  typing: {},
  presence: {},
  readMarkers: {},
  outbox: [],
  connection: 'offline',
  selectedChannelId: null,
  threadRootId: null,
  focusMessageId: null,
  announcement: '',
};
