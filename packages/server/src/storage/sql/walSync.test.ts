import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WalSync } from './walSync.js';

/** An fsync that completes when the test says so. */
function manualFsync() {
  const pending: Array<(err: NodeJS.ErrnoException | null) => void> = [];
  return {
    fsync: (_fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void pending.push(done),
    get running() {
      return pending.length;
    },
    finish: (err: NodeJS.ErrnoException | null = null) => pending.shift()!(err),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WalSync', () => {
  it('answers at once when nothing was committed since the last fsync', async () => {
    const disk = manualFsync();
    const wal = new WalSync(-1, disk.fsync);
    await wal.whenDurable();
    assert.equal(wal.syncs, 0);
  });

  it('holds a commit until an fsync that started after it has finished', async () => {
    const disk = manualFsync();
    const wal = new WalSync(-1, disk.fsync);
    let first = false;
    wal.committedWrite();
    void wal.whenDurable().then(() => (first = true));
    assert.equal(disk.running, 1);

    // A commit that lands while that fsync runs is not covered by it.
    let second = false;
    wal.committedWrite();
    void wal.whenDurable().then(() => (second = true));
    assert.equal(disk.running, 1, 'one fsync at a time');

    disk.finish();
    await tick();
    assert.equal(first, true);
    assert.equal(second, false);
    assert.equal(disk.running, 1, 'the next fsync starts for the waiting commit');
    disk.finish();
    await tick();
    assert.equal(second, true);
    assert.equal(wal.syncs, 2);
  });

  it('lets every commit made during one fsync share the next one', async () => {
    const disk = manualFsync();
    const wal = new WalSync(-1, disk.fsync);
    wal.committedWrite();
    const waits = [wal.whenDurable()];
    for (let i = 0; i < 20; i++) {
      wal.committedWrite();
      waits.push(wal.whenDurable());
    }
    disk.finish();
    await tick();
    disk.finish();
    await Promise.all(waits);
    assert.equal(wal.syncs, 2, '21 commits, 2 fsyncs');
  });

  it('acknowledges nothing more once an fsync has failed', async () => {
    const disk = manualFsync();
    const failures: Error[] = [];
    const wal = new WalSync(-1, disk.fsync, (err) => failures.push(err));
    wal.committedWrite();
    const waiting = wal.whenDurable();
    disk.finish(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await assert.rejects(waiting, /fsync of the SQLite WAL failed: EIO/);
    await assert.rejects(wal.whenDurable(), /fsync of the SQLite WAL failed/, 'even with no new commit');
    assert.equal(failures.length, 1, 'the owner is told once (the server stops)');
  });
});
