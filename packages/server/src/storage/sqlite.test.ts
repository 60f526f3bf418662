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

describe('SQLite durability', () => {
  async function withStorage(test: (storage: SqlStorage) => Promise<void>): Promise<void> {
    const dir = tempDir();
    const storage = await SqlStorage.open(undefined, dir);
    try {
      await test(storage);
    } finally {
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('syncs the WAL itself rather than inside COMMIT (synchronous = NORMAL)', async () => {
    const dir = tempDir();
    const conn = connect(undefined, dir);
    try {
      const mode = await sql<{ synchronous: number }>`pragma synchronous`.execute(conn.db);
      assert.equal(mode.rows[0]?.synchronous, 1, 'NORMAL');
      assert.ok(conn.wal, 'a WAL syncer for a file database');
    } finally {
      await conn.db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a write only after an fsync, and a read with nothing pending without one', async () => {
    await withStorage(async (storage) => {
      const wal = storage.wal!;
      const before = wal.syncs;
      const alice = user();
      await storage.users.create(alice);
      assert.equal(wal.syncs, before + 1, 'the insert waited for an fsync');
      await storage.users.findById(alice.id);
      await storage.users.findByLogin(alice.username.toLowerCase());
      assert.equal(wal.syncs, before + 1, 'reads issue none');
    });
  });

  it('syncs the WAL of the real file when the database path is a symbolic link', async () => {
    const dir = tempDir();
    try {
      const real = path.join(dir, 'real.sqlite');
      const link = path.join(dir, 'link.sqlite');
      fs.writeFileSync(real, '');
      fs.symlinkSync(real, link);
      const storage = await SqlStorage.open(`sqlite://${link}`, dir);
      await storage.users.create(user());
      assert.ok(fs.existsSync(`${real}-wal`), 'SQLite keeps its WAL beside the real file');
      assert.equal(fs.existsSync(`${link}-wal`), false, 'no stray WAL beside the link: that is not the file SQLite writes');
      await storage.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a transaction with several writes is one fsync', async () => {
    await withStorage(async (storage) => {
      const wal = storage.wal!;
      const before = wal.syncs;
      await storage.transaction(async (tx) => {
        await tx.users.create(user());
        await tx.users.create(user());
        await tx.users.create(user());
      });
      assert.equal(wal.syncs, before + 1);
    });
  });

  it('concurrent writes share fsyncs (group commit), and each waits for its own', async () => {
    await withStorage(async (storage) => {
      const wal = storage.wal!;
      const before = wal.syncs;
      const people = Array.from({ length: 50 }, user);
      await Promise.all(people.map((p) => storage.users.create(p)));
      const used = wal.syncs - before;
      assert.ok(used >= 1 && used <= 10, `50 concurrent inserts used ${used} fsyncs`);
      for (const p of people) assert.equal((await storage.users.findById(p.id))?.id, p.id);
    });
  });

  it('a read that sees a commit is answered only after that commit is durable', async () => {
    await withStorage(async (storage) => {
      const alice = user();
      const order: string[] = [];
      const write = storage.users.create(alice).then(() => order.push('write acknowledged'));
      const read = storage.users.findById(alice.id).then((found) => {
        // The read ran after the insert; had it been answered first, a client could have seen
        // a row that a power cut would take back.
        order.push(found ? 'read saw it' : 'read missed it');
      });
      await Promise.all([write, read]);
      assert.deepEqual(order, ['write acknowledged', 'read saw it']);
    });
  });

  it('a failed statement inside a transaction leaves nothing and the store keeps working', async () => {
    await withStorage(async (storage) => {
      const alice = user();
      await storage.users.create(alice);
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.users.create(user());
          await tx.users.create({ ...user(), username: alice.username });
        }),
      );
      const bob = user();
      await storage.users.create(bob);
      assert.equal((await storage.users.findById(bob.id))?.id, bob.id);
    });
  });
});

