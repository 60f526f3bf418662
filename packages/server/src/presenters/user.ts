import type { Session, User } from '@relaydesk/protocol';
import type { SessionRecord, UserRecord } from '../storage/port.js';

/** The only way a user record becomes JSON: the password hash never leaves this file. */
export const presentUser = (u: UserRecord): User => ({
  id: u.id,
  username: u.username,
  email: u.email,
  displayName: u.displayName,
  createdAt: new Date(u.createdAt).toISOString(),
  ...(u.isBot ? { isBot: true as const } : {}),
});

export const presentSession = (s: SessionRecord, currentSessionId: string): Session => ({
  id: s.id,
  createdAt: new Date(s.createdAt).toISOString(),
  lastUsedAt: new Date(s.lastUsedAt).toISOString(),
  expiresAt: new Date(s.expiresAt).toISOString(),
  userAgent: s.userAgent,
  ip: s.ip,
  current: s.id === currentSessionId,
});
