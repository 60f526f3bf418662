import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { connect, migrateToLatest } from './connect.js';
import { fixedQuery } from './fixedQuery.js';

async function withDb(test: (db: ReturnType<typeof connect>['db']) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-fixed-'));
  const { db } = connect(undefined, dir);
  try {
    await migrateToLatest(db);
    await test(db);
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const user = (id: string, createdAt: number) => ({
  id, username: id, email: `${id}@x`, email_lower: `${id}@x`, display_name: id.toUpperCase(), password_hash: 'h', created_at: createdAt, updated_at: createdAt,
});

describe('fixedQuery', () => {
  it('binds new values into the query compiled the first time, constants included', async () => {
    await withDb(async (db) => {
      await db.insertInto('users').values([user('ann', 1), user('bob', 2), user('cat', 3)]).execute();
      let builds = 0;
      const olderThan = fixedQuery((d, id: string, before: number) => {
        builds++;
        return d.selectFrom('users').select('username').where('id', '!=', id).where('created_at', '<', before).where('password_hash', '=', 'h').orderBy('created_at');
      });
      assert.deepEqual(await olderThan(db, 'ann', 3), [{ username: 'bob' }]);
      assert.deepEqual(await olderThan(db, 'cat', 10), [{ username: 'ann' }, { username: 'bob' }]);
      assert.deepEqual(await olderThan(db, 'bob', 0), []);
      assert.equal(builds, 1, 'built once');
    });
  });

  it('runs inside a transaction on its connection', async () => {
    await withDb(async (db) => {
      const byId = fixedQuery((d, id: string) => d.selectFrom('users').select('display_name').where('id', '=', id));
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('users').values(user('dan', 4)).execute();
        assert.deepEqual(await byId(tx, 'dan'), [{ display_name: 'DAN' }], 'sees its own uncommitted row');
      });
    });
  });

  it('refuses a builder whose arguments are not all bound parameters', async () => {
    await withDb(async (db) => {
      const unused = fixedQuery((d, _id: string) => d.selectFrom('users').select('id'));
      await assert.rejects(unused(db, 'x'), /argument 0 is not a bound parameter/);
      const inlined = fixedQuery((d, id: string) => d.selectFrom('users').select('id').where(sql.lit(id), '=', sql.lit('x')));
      await assert.rejects(inlined(db, 'x'), /argument 0 is not a bound parameter/);
    });
  });
});
