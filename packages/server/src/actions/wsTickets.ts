import { Limits } from '@relaydesk/protocol';
import type { AppContext } from '../context.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import type { Principal } from './accessVerifier.js';

/**
 * A WebSocket ticket: browsers cannot set headers on an upgrade, and a long-lived token in a
 * URL ends up in logs, so the socket authenticates with a single-use secret that dies in 5 minutes.
 */
export async function issueWsTicket(ctx: AppContext, who: Principal): Promise<{ ticket: string; expiresAt: number }> {
  const now = ctx.clock.now();
  const ticket = randomToken();
  const expiresAt = now + Limits.wsTicketTtlSeconds * 1000;
  await ctx.storage.wsTickets.create({ ticketHash: hashToken(ticket), userId: who.user.id, sessionId: who.sessionId, createdAt: now, expiresAt });
  return { ticket, expiresAt };
}

/** Redeems a ticket once; undefined for unknown, expired or already-used tickets, or an ended session. */
export async function redeemWsTicket(ctx: AppContext, ticket: string): Promise<{ userId: string; sessionId: string } | undefined> {
  const now = ctx.clock.now();
  const claimed = await ctx.storage.wsTickets.consume(hashToken(ticket), now);
  if (!claimed) return undefined;
  const session = await ctx.storage.sessions.findById(claimed.sessionId);
  if (!session || session.revokedAt !== null || session.expiresAt <= now) return undefined;
  return claimed;
}
