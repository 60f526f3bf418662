import type { Kysely } from 'kysely';
import type { EventRecord, EventStore } from '../messagePort.js';
import type { Database } from './schema.js';
import { fixedQuery } from './fixedQuery.js';

// Every durable change appends one (see fixedQuery).
const appendEvent = fixedQuery((db, channelId: string, seq: number, actorId: string, createdAt: number, payload: string) =>
  db.insertInto('channel_events').values({ channel_id: channelId, seq, actor_id: actorId, created_at: createdAt, payload }),
);

export class SqlEventStore implements EventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: EventRecord): Promise<void> {
    await appendEvent(this.db, e.channelId, e.seq, e.actorId, e.createdAt, JSON.stringify(e.payload));
  }

  async after(channelId: string, afterSeq: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.afterAsJson(channelId, afterSeq, limit);
    return rows.map(({ payloadJson, ...r }) => ({ ...r, payload: JSON.parse(payloadJson) as unknown }));
  }

  async afterAsJson(channelId: string, afterSeq: number, limit: number) {
    const rows = await this.db
      .selectFrom('channel_events')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ channelId: r.channel_id, seq: r.seq, actorId: r.actor_id, createdAt: r.created_at, payloadJson: r.payload }));
  }
}
