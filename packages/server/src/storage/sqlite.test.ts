import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { SqlStorage } from './sql/sqlStorage.js';
import { connect, migrateToLatest } from './sql/connect.js';
import { migrationProvider } from './sql/migrations/index.js';
import { runStorageContract } from './storageContract.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-sqlite-'));
}

const user = () => ({
  id: randomUUID(),
  username: `u_${randomUUID().slice(0, 8)}`,
  email: `${randomUUID().slice(0, 8)}@example.com`,
  displayName: 'Someone',
  passwordHash: 'hash',
  createdAt: 1_700_000_000_000,
});

runStorageContract('storage contract: SQLite', async () => {
  const dir = tempDir();
  const storage = await SqlStorage.open(undefined, dir);
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite storage', () => {
  it('keeps its database file in DATA_DIR, in WAL journal mode', async () => {
    const dir = tempDir();
    const storage = await SqlStorage.open(undefined, dir);
    try {
      assert.equal(storage.dialect, 'sqlite');
      const file = path.join(dir, 'relaydesk.sqlite');
      assert.ok(fs.existsSync(file), `${file} exists`);
      // WAL is a property of the file, so a second connection sees it too.
      const probe = new SqliteDatabase(file, { readonly: true });
      try {
        assert.equal(probe.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        probe.close();
      }
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reopening an existing database keeps its data and does not migrate again', async () => {
    const dir = tempDir();
    try {
      const first = await SqlStorage.open(undefined, dir);
      const alice = user();
      await first.users.create(alice);
      await first.close();

      const second = await SqlStorage.open(undefined, dir);
      assert.deepEqual(await second.users.findById(alice.id), alice);
      await second.close();

      const conn = connect(undefined, dir);
      try {
        assert.deepEqual(await migrateToLatest(conn.db), [], 'nothing left to migrate');
        const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(conn.db);
        const shipped = Object.keys(await migrationProvider.getMigrations()).sort();
        assert.deepEqual(applied.rows.map((r) => r.name).sort(), shipped);
      } finally {
        await conn.db.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a sqlite:// DATABASE_URL names the database file, wherever DATA_DIR is', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const file = path.join(dir, 'elsewhere', 'chat.db');
    try {
      const storage = await SqlStorage.open(`sqlite://${file}`, dataDir);
      const bob = user();
      await storage.users.create(bob);
      await storage.close();

      assert.ok(fs.existsSync(file), `${file} exists`);
      assert.equal(fs.existsSync(path.join(dataDir, 'relaydesk.sqlite')), false);
      const reopened = await SqlStorage.open(`sqlite://${file}`, dataDir);
      assert.equal((await reopened.users.findById(bob.id))?.username, bob.username);
      await reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
