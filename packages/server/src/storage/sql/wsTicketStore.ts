import type { Kysely } from 'kysely';
import type { WsTicketRecord, WsTicketStore } from '../port.js';
import type { Database } from './schema.js';

export class SqlWsTicketStore implements WsTicketStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(ticket: WsTicketRecord): Promise<void> {
    await this.db
      .insertInto('ws_tickets')
      .values({
        ticket_hash: ticket.ticketHash,
        user_id: ticket.userId,
        session_id: ticket.sessionId,
        created_at: ticket.createdAt,
        expires_at: ticket.expiresAt,
        used_at: null,
      })
      .execute();
  }

  async consume(ticketHash: string, now: number): Promise<{ userId: string; sessionId: string } | undefined> {
    // One statement: the row is claimed by exactly one caller, however many race for it.
    const row = await this.db
      .updateTable('ws_tickets')
      .set({ used_at: now })
      .where('ticket_hash', '=', ticketHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id', 'session_id'])
      .executeTakeFirst();
    return row && { userId: row.user_id, sessionId: row.session_id };
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('ws_tickets').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
