import { randomUUID } from 'node:crypto';
import { Limits } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import type { SessionRecord } from '../storage/port.js';
import { hashToken, randomToken } from '../auth/secrets.js';

export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
}

export interface IssuedTokens {
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

/** Signs an access token for a session that already exists. */
export async function signAccess(ctx: AppContext, userId: string, sessionId: string) {
  return ctx.accessTokens.sign({ userId, sessionId });
}

/** Starts a session (a refresh-token family) for a user who just proved who they are. */
export async function startSession(ctx: AppContext, userId: string, client: ClientInfo): Promise<IssuedTokens> {
  const now = ctx.clock.now();
  const refreshToken = randomToken();
  const refreshTokenExpiresAt = now + Limits.refreshTokenTtlSeconds * 1000;
  const session: SessionRecord = {
    id: randomUUID(),
    userId,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: refreshTokenExpiresAt,
    revokedAt: null,
    userAgent: client.userAgent?.slice(0, 256) ?? null,
    ip: client.ip,
  };
  await ctx.storage.sessions.create(session, { tokenHash: hashToken(refreshToken), expiresAt: refreshTokenExpiresAt });
  const access = await signAccess(ctx, userId, session.id);
  return {
    sessionId: session.id,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt,
  };
}
