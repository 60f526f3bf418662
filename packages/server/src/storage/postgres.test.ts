import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { SqlStorage } from './sql/sqlStorage.js';
import { connect, migrateToLatest } from './sql/connect.js';
import { migrationProvider } from './sql/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import type { Storage } from './port.js';
import { runStorageContract } from './storageContract.js';

const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

const user = () => ({
  id: randomUUID(),
  username: `u_${randomUUID().slice(0, 8)}`,
  email: `${randomUUID().slice(0, 8)}@example.com`,
  displayName: 'Someone',
  passwordHash: 'hash',
  createdAt: T0,
});

/** A user with one session whose first refresh token is returned. */
async function userWithSession(storage: Storage): Promise<{ userId: string; sessionId: string; tokenHash: string }> {
  const u = user();
  await storage.users.create(u);
  const sessionId = randomUUID();
  const tokenHash = `rt_${randomUUID()}`;
  await storage.sessions.create(
    { id: sessionId, userId: u.id, createdAt: T0, lastUsedAt: T0, expiresAt: T0 + 30 * DAY, revokedAt: null, userAgent: null, ip: null },
    { tokenHash, expiresAt: T0 + 30 * DAY },
  );
  return { userId: u.id, sessionId, tokenHash };
}

runStorageContract('storage contract: PostgreSQL', async () => {
  const database = await createTestDatabase();
  const storage = await SqlStorage.open(database.url, os.tmpdir());
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await database.drop();
    },
  };
});

describe('PostgreSQL storage', () => {
  let database: TestDatabase;
  let storage: SqlStorage;
  before(async () => {
    database = await createTestDatabase();
    storage = await SqlStorage.open(database.url, os.tmpdir());
  });
  after(async () => {
    await storage.close();
    await database.drop();
  });

  it('reopening the same database keeps its data and does not migrate again', async () => {
    assert.equal(storage.dialect, 'postgres');
    const alice = user();
    await storage.users.create(alice);

    const reopened = await SqlStorage.open(database.url, os.tmpdir());
    try {
      assert.deepEqual(await reopened.users.findById(alice.id), alice);
    } finally {
      await reopened.close();
    }
    const conn = connect(database.url, os.tmpdir());
    try {
      assert.deepEqual(await migrateToLatest(conn.db), [], 'nothing left to migrate');
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(conn.db);
      const shipped = Object.keys(await migrationProvider.getMigrations()).sort();
      assert.deepEqual(applied.rows.map((r) => r.name).sort(), shipped);
    } finally {
      await conn.db.destroy();
    }
  });

  it('20 concurrent rotations of one refresh token: exactly one rotates, the rest report reuse', async () => {
    const { sessionId, tokenHash } = await userWithSession(storage);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        storage.sessions.rotateRefreshToken(tokenHash, { tokenHash: `rt_${randomUUID()}`, expiresAt: T0 + DAY }, T0 + 1),
      ),
    );
    assert.equal(outcomes.filter((o) => o.status === 'rotated').length, 1, JSON.stringify(outcomes));
    const reused = outcomes.filter((o) => o.status === 'reused');
    assert.equal(reused.length, 19, JSON.stringify(outcomes));
    for (const o of reused) assert.deepEqual(o, { status: 'reused', sessionId });
  });

  it('20 concurrent consumptions of one WebSocket ticket: exactly one succeeds', async () => {
    const { userId, sessionId } = await userWithSession(storage);
    const ticketHash = `wt_${randomUUID()}`;
    await storage.wsTickets.create({ ticketHash, userId, sessionId, createdAt: T0, expiresAt: T0 + 60_000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => storage.wsTickets.consume(ticketHash, T0 + 1)));
    const winners = results.filter((r) => r !== undefined);
    assert.deepEqual(winners, [{ userId, sessionId }]);
  });
});
