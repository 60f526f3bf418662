import { sql, type Kysely, type Selectable } from 'kysely';
import type { AppEventRecord, AppEventStore } from '../port.js';
import type { AppEventsTable, Database } from './schema.js';

const toRecord = (r: Selectable<AppEventsTable>): AppEventRecord => ({
  workspaceId: r.workspace_id,
  topic: r.topic,
  seq: Number(r.seq),
  type: r.type,
  data: r.data,
  actorId: r.actor_id,
  createdAt: Number(r.created_at),
});

/** Rolls `append`'s transaction back (the seq it took included) when the key was used before. */
class KeyUsed extends Error {}

export class SqlAppEventStore implements AppEventStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(
    e: Omit<AppEventRecord, 'seq'>,
    idempotency: { key: string; fingerprint: string },
  ): Promise<{ event: AppEventRecord; replayed: false } | { event: AppEventRecord; replayed: true; fingerprint: string }> {
    try {
      const event = await this.db.transaction().execute(async (tx) => {
        // The topic's row is the lock: concurrent appends to one topic take numbers one after another.
        const { last_seq } = await tx
          .insertInto('app_topics')
          .values({ workspace_id: e.workspaceId, topic: e.topic, last_seq: 1 })
          .onConflict((oc) => oc.columns(['workspace_id', 'topic']).doUpdateSet({ last_seq: sql`app_topics.last_seq + 1` }))
          .returning('last_seq')
          .executeTakeFirstOrThrow();
        const seq = Number(last_seq);
        const claimed = await tx
          .insertInto('app_event_keys')
          .values({ workspace_id: e.workspaceId, idempotency_key: idempotency.key, fingerprint: idempotency.fingerprint, topic: e.topic, seq, created_at: e.createdAt })
          .onConflict((oc) => oc.columns(['workspace_id', 'idempotency_key']).doNothing())
          .returning('seq')
          .executeTakeFirst();
        if (!claimed) throw new KeyUsed();
        const record = { ...e, seq };
        await tx
          .insertInto('app_events')
          .values({ workspace_id: e.workspaceId, topic: e.topic, seq, type: e.type, data: e.data, actor_id: e.actorId, created_at: e.createdAt })
          .execute();
        return record;
      });
      return { event, replayed: false };
    } catch (err) {
      if (!(err instanceof KeyUsed)) throw err;
      const key = await this.db
        .selectFrom('app_event_keys')
        .selectAll()
        .where('workspace_id', '=', e.workspaceId)
        .where('idempotency_key', '=', idempotency.key)
        .executeTakeFirstOrThrow();
      const first = await this.db
        .selectFrom('app_events')
        .selectAll()
        .where('workspace_id', '=', key.workspace_id)
        .where('topic', '=', key.topic)
        .where('seq', '=', key.seq)
        .executeTakeFirstOrThrow();
      return { event: toRecord(first), replayed: true, fingerprint: key.fingerprint };
    }
  }

  async after(workspaceId: string, topic: string, afterSeq: number, limit: number): Promise<AppEventRecord[]> {
    const rows = await this.db
      .selectFrom('app_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('topic', '=', topic)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async head(workspaceId: string, topic: string): Promise<number> {
    const row = await this.db.selectFrom('app_topics').select('last_seq').where('workspace_id', '=', workspaceId).where('topic', '=', topic).executeTakeFirst();
    return row ? Number(row.last_seq) : 0;
  }
}
