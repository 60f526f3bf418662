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

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  ws_tickets: WsTicketsTable;
}
