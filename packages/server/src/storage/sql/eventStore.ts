import { sql, type Kysely } from 'kysely';
import { tombstoneOf, type ChannelEventData } from '@relaydesk/protocol';
import type { EventRecord, EventStore } from '../messagePort.js';
import type { Database } from './schema.js';
import type { Dialect } from './connect.js';
import { fixedQuery } from './fixedQuery.js';

// Every durable change appends one (see fixedQuery).
const appendEvent = fixedQuery((db, channelId: string, seq: number, actorId: string, createdAt: number, payload: string, editedMessageId: string | null) =>
  db.insertInto('channel_events').values({ channel_id: channelId, seq, actor_id: actorId, created_at: createdAt, payload, edited_message_id: editedMessageId }),
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
    const event = e.payload as ChannelEventData;
    const editedMessageId = event.type === 'message.edited' ? event.message.id : null;
    await appendEvent(this.db, e.channelId, e.seq, e.actorId, e.createdAt, JSON.stringify(e.payload), editedMessageId);
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

/** A message whose feed events are to lose its content: found by its seq and its edits' column. */
export interface ScrubTarget {
  id: string;
  channelId: string;
  seq: number;
}

/**
 * Rewrites, in place, the events that carry a deleted message's content — its `message.created`
 * (at the message's own seq) and every `message.edited` — to carry its tombstone instead
 * (protocol `tombstoneOf`). The rows and their numbers stay, so the feed keeps no gap; the text
 * goes from the table itself, not only from what a read returns. Run it in the deleting
 * transaction. Returns how many events were rewritten.
 */
export async function scrubMessageEvents(db: Kysely<Database>, message: ScrubTarget): Promise<number> {
  const rows = await db
    .selectFrom('channel_events')
    .select(['channel_id', 'seq', 'payload'])
    .where((eb) => eb.or([
      eb.and([eb('channel_id', '=', message.channelId), eb('seq', '=', message.seq)]),
      eb('edited_message_id', '=', message.id),
    ]))
    .execute();
  let rewritten = 0;
  for (const row of rows) {
    const payload = scrubbedPayload(row.payload, message.id);
    if (payload === undefined) continue;
    await db.updateTable('channel_events').set({ payload }).where('channel_id', '=', row.channel_id).where('seq', '=', row.seq).execute();
    rewritten++;
  }
  return rewritten;
}

/**
 * The payload with the message replaced by its tombstone, or undefined when the event carries no
 * content of that message (some other event at that seq) or carries only its tombstone already.
 */
export function scrubbedPayload(payload: string, messageId: string): string | undefined {
  const event = JSON.parse(payload) as ChannelEventData;
  if ((event.type !== 'message.created' && event.type !== 'message.edited') || event.message.id !== messageId) return undefined;
  const scrubbed = JSON.stringify({ type: event.type, message: tombstoneOf(event.message) });
  return scrubbed === payload ? undefined : scrubbed;
}
