import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

interface Pending {
  work: (trx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How many units of work one commit may carry. */
const BATCH_MAX = 64;

/**
 * Group commit for SQLite. With `synchronous=FULL` every COMMIT waits for an fsync, and
 * better-sqlite3 waits on the event loop's thread, so one commit per message caps a node at a few
 * hundred messages a second. Transactions that arrive while one is running are queued and then
 * run one after another inside a single transaction, each in its own savepoint: a failing unit
 * rolls back to its savepoint and fails alone, the others commit together with one fsync. Each
 * caller is answered only after that COMMIT, so an acknowledged change is still a durable one.
 * (SQLite has one writer anyway: batching changes nothing about isolation between the units,
 * which already ran one at a time.)
 */
export class GroupCommitter {
  private readonly queue: Pending[] = [];
  private draining = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.commitBatch(this.queue.splice(0, BATCH_MAX));
    } finally {
      this.draining = false;
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        if (batch.length === 1) {
          // The common case when quiet: no savepoint needed, a failure rolls the whole thing back.
          outcomes.push({ ok: true, value: await batch[0]!.work(trx) });
          return;
        }
        for (const [i, unit] of batch.entries()) {
          const name = sql.raw(`unit_${i}`);
          await sql`savepoint ${name}`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await unit.work(trx) });
            await sql`release ${name}`.execute(trx);
          } catch (error) {
            await sql`rollback to ${name}`.execute(trx);
            await sql`release ${name}`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The single unit failed (rolled back), or the commit itself did: nothing of the batch is stored.
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }
}
