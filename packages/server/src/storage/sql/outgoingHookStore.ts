import type { Kysely, Selectable } from 'kysely';
import type { AttemptRecord, DeliveryRecord, DeliveryState, OutgoingHookRecord, OutgoingHookStore } from '../port.js';
import type { Database, OutgoingHooksTable, WebhookAttemptsTable, WebhookDeliveriesTable } from './schema.js';

const toHook = (r: Selectable<OutgoingHooksTable>): OutgoingHookRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  channelId: r.channel_id,
  botUserId: r.bot_user_id,
  name: r.name,
  url: r.url,
  triggerWords: r.trigger_words ? r.trigger_words.split(' ') : [],
  secretSealed: r.secret_sealed,
  lastSeq: Number(r.last_seq),
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
  disabledAt: r.disabled_at === null ? null : Number(r.disabled_at),
  disabledReason: r.disabled_reason,
});

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): DeliveryRecord => ({
  id: r.id,
  hookId: r.hook_id,
  messageId: r.message_id,
  payload: r.payload,
  state: r.state as DeliveryState,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
  createdAt: Number(r.created_at),
});

const toAttempt = (r: Selectable<WebhookAttemptsTable>): AttemptRecord => ({
  deliveryId: r.delivery_id,
  attempt: Number(r.attempt),
  at: Number(r.at),
  status: r.status === null ? null : Number(r.status),
  error: r.error,
  durationMs: Number(r.duration_ms),
});

/** Thrown inside `advance` to roll its transaction back when another node moved the cursor. */
class CursorMoved extends Error {}

export class SqlOutgoingHookStore implements OutgoingHookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(h: OutgoingHookRecord): Promise<void> {
    await this.db
      .insertInto('outgoing_hooks')
      .values({
        id: h.id,
        workspace_id: h.workspaceId,
        channel_id: h.channelId,
        bot_user_id: h.botUserId,
        name: h.name,
        url: h.url,
        trigger_words: h.triggerWords.join(' '),
        secret_sealed: h.secretSealed,
        last_seq: h.lastSeq,
        created_by: h.createdBy,
        created_at: h.createdAt,
        disabled_at: null,
        disabled_reason: null,
      })
      .execute();
  }

  async findById(id: string): Promise<OutgoingHookRecord | undefined> {
    const row = await this.db.selectFrom('outgoing_hooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toHook(row);
  }

  async listForChannel(channelId: string): Promise<OutgoingHookRecord[]> {
    return (await this.db.selectFrom('outgoing_hooks').selectAll().where('channel_id', '=', channelId).orderBy('created_at').execute()).map(toHook);
  }

  async listActive(): Promise<OutgoingHookRecord[]> {
    return (await this.db.selectFrom('outgoing_hooks').selectAll().where('disabled_at', 'is', null).execute()).map(toHook);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.deleteFrom('outgoing_hooks').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n;
  }

  async disable(id: string, now: number, reason: string): Promise<void> {
    await this.db.updateTable('outgoing_hooks').set({ disabled_at: now, disabled_reason: reason }).where('id', '=', id).execute();
  }

  async advance(hookId: string, fromSeq: number, toSeq: number, deliveries: DeliveryRecord[]): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (tx) => {
        const moved = await tx.updateTable('outgoing_hooks').set({ last_seq: toSeq }).where('id', '=', hookId).where('last_seq', '=', fromSeq).executeTakeFirst();
        if (moved.numUpdatedRows === 0n) throw new CursorMoved();
        for (const d of deliveries) {
          await tx
            .insertInto('webhook_deliveries')
            .values({ id: d.id, hook_id: d.hookId, message_id: d.messageId, payload: d.payload, state: d.state, attempts: 0, next_attempt_at: d.nextAttemptAt, created_at: d.createdAt })
            .execute();
        }
      });
      return true;
    } catch (err) {
      if (err instanceof CursorMoved) return false;
      throw err;
    }
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    const due = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    const claimed: DeliveryRecord[] = [];
    for (const row of due) {
      const taken = await this.db
        .updateTable('webhook_deliveries')
        .set({ next_attempt_at: now + leaseMs })
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '=', row.next_attempt_at)
        .executeTakeFirst();
      if (taken.numUpdatedRows > 0n) claimed.push(toDelivery(row));
    }
    return claimed;
  }

  async recordAttempt(a: AttemptRecord, next: { state: DeliveryState; nextAttemptAt: number | null }): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('webhook_attempts').values({ delivery_id: a.deliveryId, attempt: a.attempt, at: a.at, status: a.status, error: a.error, duration_ms: a.durationMs }).execute();
      await tx.updateTable('webhook_deliveries').set({ state: next.state, attempts: a.attempt, next_attempt_at: next.nextAttemptAt }).where('id', '=', a.deliveryId).execute();
    });
  }

  async listDeliveries(hookId: string, limit: number): Promise<{ delivery: DeliveryRecord; attempts: AttemptRecord[] }[]> {
    const rows = await this.db.selectFrom('webhook_deliveries').selectAll().where('hook_id', '=', hookId).orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
    if (rows.length === 0) return [];
    const attempts = await this.db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', rows.map((r) => r.id)).orderBy('attempt').execute();
    return rows.map((r) => ({ delivery: toDelivery(r), attempts: attempts.filter((a) => a.delivery_id === r.id).map(toAttempt) }));
  }

  async findDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDelivery(row);
  }

  async redeliver(id: string, now: number): Promise<void> {
    await this.db.updateTable('webhook_deliveries').set({ state: 'pending', next_attempt_at: now }).where('id', '=', id).execute();
  }
}
