import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { connect, migrateToLatest } from './connect.js';
import { GroupCommitter } from './groupCommit.js';
import type { Database } from './schema.js';

/** A scratch table of its own, so the test says nothing about the chat schema. */
const count = async (db: Kysely<Database>, where = sql`1 = 1`) =>
  Number(((await sql<{ n: number }>`select count(*) as n from gc_probe where ${where}`.execute(db)).rows[0]!).n);

describe('GroupCommitter (SQLite)', () => {
  let dir: string;
  let db: Kysely<Database>;
  let commits = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-gc-'));
    db = connect(undefined, dir).db;
    await migrateToLatest(db);
    await sql`create table gc_probe (v text primary key)`.execute(db);
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = (v: string) => async (trx: Kysely<Database>) => {
    await sql`insert into gc_probe (v) values (${v})`.execute(trx);
    return v;
  };

  it('units queued while one runs share one commit; each is answered only after that commit', async () => {
    const committer = new GroupCommitter(db);
    const original = db.transaction.bind(db);
    commits = 0;
    (db as { transaction: typeof db.transaction }).transaction = () => {
      commits++;
      return original();
    };
    try {
      const answered: string[] = [];
      const all = Array.from({ length: 20 }, (_, i) =>
        committer.run(insert(`a${i}`)).then(async (v) => {
          // Visible from outside the transaction the moment the caller hears of it: committed.
          assert.equal(await count(db, sql`v = ${v}`), 1);
          answered.push(v);
        }),
      );
      await Promise.all(all);
      assert.equal(answered.length, 20);
      assert.ok(commits <= 2, `20 units in ${commits} commits (the first alone, the rest together)`);
    } finally {
      (db as { transaction: typeof db.transaction }).transaction = original;
    }
  });

  it('a failing unit rolls back to its savepoint and fails alone; the others commit', async () => {
    const committer = new GroupCommitter(db);
    const results = await Promise.allSettled([
      committer.run(insert('b1')),
      committer.run(insert('b2')),
      committer.run(async (trx) => {
        await sql`insert into gc_probe (v) values ('b3')`.execute(trx);
        await sql`insert into gc_probe (v) values ('b1')`.execute(trx); // duplicate key: fails
        return 'never';
      }),
      committer.run(insert('b4')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.equal(await count(db, sql`v like 'b%'`), 3);
    assert.equal(await count(db, sql`v = 'b3'`), 0, 'the failed unit left nothing behind');
  });

  it('a unit alone that fails leaves nothing either, and the committer goes on', async () => {
    const committer = new GroupCommitter(db);
    await assert.rejects(committer.run(async (trx) => {
      await sql`insert into gc_probe (v) values ('c1')`.execute(trx);
      throw new Error('changed my mind');
    }), /changed my mind/);
    assert.equal(await count(db, sql`v = 'c1'`), 0);
    assert.equal(await committer.run(insert('c2')), 'c2');
  });
});
