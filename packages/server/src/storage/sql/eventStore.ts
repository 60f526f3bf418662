import { sql, type Kysely } from 'kysely';
import type { EventRecord, EventStore } from '../messagePort.js';
import type { Database } from './schema.js';
import type { Dialect } from './connect.js';
import { fixedQuery } from './fixedQuery.js';

// Every durable change appends one (see fixedQuery).
const appendEvent = fixedQuery((db, channelId: string, seq: number, actorId: string, createdAt: number, payload: string) =>
  db.insertInto('channel_events').values({ channel_id: channelId, seq, actor_id: actorId, created_at: createdAt, payload }),
);

/** The payload column read as bytes: SQLite casts text to a blob, PostgreSQL encodes it to bytea. */
const PAYLOAD_BYTES: Record<Dialect, ReturnType<typeof sql<Buffer>>> = {
  sqlite: sql<Buffer>`cast(payload as blob)`,
  postgres: sql<Buffer>`convert_to(payload, 'UTF8')`,
};

export class SqlEventStore implements EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async append(e: EventRecord): Promise<void> {
    await appendEvent(this.db, e.channelId, e.seq, e.actorId, e.createdAt, JSON.stringify(e.payload));
  }

  async after(channelId: string, afterSeq: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.afterAsBytes(channelId, afterSeq, limit);
    return rows.map(({ payloadBytes, ...r }) => ({ ...r, payload: JSON.parse(payloadBytes.toString('utf8')) as unknown }));
  }

  async afterAsBytes(channelId: string, afterSeq: number, limit: number) {
    const rows = await this.db
      .selectFrom('channel_events')
      .select(['channel_id', 'seq', 'actor_id', 'created_at', PAYLOAD_BYTES[this.dialect].as('payload_bytes')])
      .where('channel_id', '=', channelId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ channelId: r.channel_id, seq: r.seq, actorId: r.actor_id, createdAt: r.created_at, payloadBytes: r.payload_bytes }));
  }
}
