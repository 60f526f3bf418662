import type { Generated } from 'kysely';

/** Kysely table types: the database as it is after the latest migration. */
export interface UsersTable {
  id: string;
  username: string;
  email: string;
  email_lower: string;
  display_name: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  is_bot: Generated<number>;
  bot_workspace_id: string | null;
  bot_created_by: string | null;
  external_id: string | null;
  deactivated_at: number | null;
  scim_user_name: string | null;
  scim_user_name_lower: string | null;
  scim_workspace_id: string | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  ip: string | null;
  /** 'login' (a browser or SDK sign-in) or 'token' (an API token's). */
  kind: Generated<string>;
  /** Comma-separated; null for a login session, which may do everything its user may. */
  scopes: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  session_id: string;
  name: string;
  token_hash: string;
  /** The token's last four characters, to tell tokens apart in a list. */
  hint: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  last_used_ip: string | null;
}

export interface IncomingHooksTable {
  id: string;
  workspace_id: string;
  channel_id: string;
  bot_user_id: string;
  name: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  rotated_at: number | null;
  last_used_at: number | null;
}

export interface AuditLogTable {
  id: string;
  workspace_id: string;
  actor_user_id: string | null;
  token_id: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  created_at: number;
}

export interface OutgoingHooksTable {
  id: string;
  workspace_id: string;
  channel_id: string;
  bot_user_id: string;
  name: string;
  url: string;
  trigger_words: string;
  secret_sealed: string;
  last_seq: number;
  created_by: string;
  created_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  hook_id: string;
  message_id: string;
  payload: string;
  state: string;
  attempts: Generated<number>;
  next_attempt_at: number | null;
  created_at: number;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export interface AppTopicsTable {
  workspace_id: string;
  topic: string;
  last_seq: number;
}

export interface AppEventsTable {
  workspace_id: string;
  topic: string;
  seq: number;
  type: string;
  data: string;
  actor_id: string;
  created_at: number;
}

export interface AppEventKeysTable {
  workspace_id: string;
  idempotency_key: string;
  fingerprint: string;
  topic: string;
  seq: number;
  created_at: number;
}

export interface PasswordLinksTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface WsTicketsTable {
  ticket_hash: string;
  user_id: string;
  session_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AccountsDatabase {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  ws_tickets: WsTicketsTable;
  api_tokens: ApiTokensTable;
  incoming_hooks: IncomingHooksTable;
  audit_log: AuditLogTable;
  outgoing_hooks: OutgoingHooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  app_topics: AppTopicsTable;
  app_events: AppEventsTable;
  app_event_keys: AppEventKeysTable;
  password_links: PasswordLinksTable;
  scim_groups: ScimGroupsTable;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
}

export interface WorkspaceMembersTable {
  workspace_id: string;
  user_id: string;
  role: string;
  joined_at: number;
}

export interface InvitesTable {
  id: string;
  workspace_id: string;
  code_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: Generated<number>;
  revoked_at: number | null;
}

export interface ChannelsTable {
  id: string;
  workspace_id: string;
  kind: string;
  name: string | null;
  slug: string | null;
  topic: Generated<string>;
  created_by: string;
  created_at: number;
  archived_at: number | null;
  last_seq: Generated<number>;
  conversation_key: string | null;
}

export interface ChannelMembersTable {
  channel_id: string;
  user_id: string;
  joined_at: number;
  last_read_seq: Generated<number>;
}

export interface MessagesTable {
  id: string;
  channel_id: string;
  seq: number;
  author_id: string;
  body: string;
  client_message_id: string | null;
  thread_root_id: string | null;
  reply_count: Generated<number>;
  last_reply_at: number | null;
  mentions_channel: Generated<number>;
  attachment_count: Generated<number>;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export interface MessageEditsTable {
  message_id: string;
  body: string;
  edited_at: number;
}

export interface MentionsTable {
  message_id: string;
  user_id: string;
  channel_id: string;
  seq: number;
}

export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: number;
}

export interface PinsTable {
  channel_id: string;
  message_id: string;
  pinned_by: string;
  pinned_at: number;
}

export interface ChannelEventsTable {
  channel_id: string;
  seq: number;
  actor_id: string;
  created_at: number;
  payload: string;
  /** On `message.edited` events, the message (migration 0007): its deletion rewrites them. */
  edited_message_id: string | null;
}

export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: number;
}

export interface FilesTable {
  id: string;
  channel_id: string;
  uploader_id: string;
  message_id: string | null;
  /** Order among the message's attachments, as the sender listed them. */
  position: Generated<number>;
  name: string;
  mime: string;
  size: number;
  kind: string;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  blob_key: string;
  thumbnail_key: string | null;
  preview_key: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface ChatDatabase {
  workspaces: WorkspacesTable;
  workspace_members: WorkspaceMembersTable;
  invites: InvitesTable;
  channels: ChannelsTable;
  channel_members: ChannelMembersTable;
  messages: MessagesTable;
  message_edits: MessageEditsTable;
  mentions: MentionsTable;
  reactions: ReactionsTable;
  pins: PinsTable;
  channel_events: ChannelEventsTable;
  blocks: BlocksTable;
  files: FilesTable;
}

export type Database = AccountsDatabase & ChatDatabase;

/** A SCIM group: the private channel it is (migration 0013). */
export interface ScimGroupsTable {
  channel_id: string;
  workspace_id: string;
  display_name: string;
  external_id: string | null;
  created_at: number;
  updated_at: number;
}
