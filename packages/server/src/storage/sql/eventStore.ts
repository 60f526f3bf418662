import type { Kysely } from 'kysely';
import type { EventRecord, EventStore } from '../messagePort.js';
import type { Database } from './schema.js';

export class SqlEventStore implements EventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: EventRecord): Promise<void> {
    await this.db
      .insertInto('channel_events')
      .values({ channel_id: e.channelId, seq: e.seq, actor_id: e.actorId, created_at: e.createdAt, payload: JSON.stringify(e.payload) })
      .execute();
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
