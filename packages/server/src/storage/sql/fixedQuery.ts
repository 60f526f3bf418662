import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Where each parameter of the compiled query comes from: an argument (its index) or a constant. */
type Slot = number | { constant: unknown };

/**
 * A query built with Kysely once per dialect, then run with new values bound in place.
 *
 * Kysely builds and compiles every query anew on each call: immutable nodes, frozen copies, a
 * visitor over the tree — 30–50 µs for a join, more than SQLite takes to run it. On the hot paths
 * (a send runs six such queries; every request reads its session) that is a third of the CPU a
 * message costs. `build` is called once per dialect with markers in place of the arguments; each
 * marker must come out as a bound parameter, and the arguments take their places afterwards.
 *
 * Only for queries whose shape does not depend on the values: `build` must use every argument
 * as a plain value (no `if`, no lists whose length varies, nothing inlined into the SQL).
 */
export function fixedQuery<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R>) {
  const compiled = new Map<unknown, { sql: string; slots: Slot[] }>();
  return async (db: Kysely<Database>, ...args: A): Promise<R[]> => {
    const adapter = db.getExecutor().adapter.constructor;
    let template = compiled.get(adapter);
    if (!template) {
      template = compileWithMarkers(db, build, args.length);
      compiled.set(adapter, template);
    }
    const parameters = template.slots.map((slot) => (typeof slot === 'number' ? args[slot] : slot.constant));
    return (await db.executeQuery<R>(CompiledQuery.raw(template.sql, parameters))).rows;
  };
}

function compileWithMarkers<A extends unknown[], R>(db: Kysely<Database>, build: (db: Kysely<Database>, ...args: A) => Compilable<R>, arity: number) {
  const markers = Array.from({ length: arity }, (_, i) => `\u0000fixedQuery:${i}\u0000`);
  const query = build(db, ...(markers as unknown as A)).compile();
  const slots: Slot[] = query.parameters.map((p) => {
    const index = typeof p === 'string' ? markers.indexOf(p) : -1;
    return index >= 0 ? index : { constant: p };
  });
  for (let i = 0; i < arity; i++) {
    if (!slots.includes(i)) throw new Error(`fixedQuery: argument ${i} is not a bound parameter of ${query.sql}`);
  }
  if (markers.some((m) => query.sql.includes(m))) throw new Error(`fixedQuery: an argument was inlined into ${query.sql}`);
  return { sql: query.sql, slots };
}
