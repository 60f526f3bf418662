import fs from 'node:fs';
import path from 'node:path';

type Fsync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

interface Waiter {
  commit: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Makes SQLite commits durable without stopping the event loop.
 *
 * With `synchronous = FULL` every COMMIT fsyncs the write-ahead log inside better-sqlite3's
 * synchronous call, so the whole process waits for the disk once per transaction. Instead the
 * database runs with `synchronous = NORMAL` (a commit is written to the WAL but not synced) and
 * this class fsyncs the WAL file on libuv's thread pool. Nobody is answered before the fsync that
 * covers the last commit has finished: `whenDurable()` resolves once an fsync that started after
 * the latest commit completes. Commits that land while an fsync is running share the next one,
 * which is group commit without any queueing in the write path.
 *
 * fsync acts on the file, not the descriptor, so our own descriptor of the `-wal` file flushes
 * what SQLite wrote through its own. The WAL is one file for the connection's whole life (SQLite
 * resets or truncates it in place after a checkpoint and deletes it only when the last
 * connection closes), and checkpoints sync the WAL and the database themselves.
 */
export class WalSync {
  private committed = 0;
  private durable = 0;
  private syncing = false;
  private failure: Error | undefined;
  private waiters: Waiter[] = [];
  /** fsyncs issued so far: how many commits shared one is visible in tests and benchmarks. */
  syncs = 0;

  constructor(
    private readonly fd: number,
    private readonly fsync: Fsync = fs.fsync,
    /** Told once, when an fsync fails: the server stops (see `open`). */
    private readonly onFailure: (err: Error) => void = () => undefined,
  ) {}

  /**
   * Opens the `-wal` file SQLite uses for `databaseFile` (created empty if SQLite has not yet):
   * next to the real file, as SQLite resolves a symbolic link to the database before naming it.
   */
  static open(databaseFile: string, onFailure: (err: Error) => void): WalSync {
    const real = fs.realpathSync(databaseFile);
    const fd = fs.openSync(`${real}-wal`, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    // The file's name must survive a power cut too, not only its contents.
    const dir = fs.openSync(path.dirname(real), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
    return new WalSync(fd, fs.fsync, onFailure);
  }

  /** Records that a transaction (or an autocommit statement) that wrote has committed. */
  committedWrite(): void {
    this.committed++;
  }

  /** Resolves when every commit recorded so far is on disk; rejects for good once an fsync failed. */
  whenDurable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= this.committed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ commit: this.committed, resolve, reject });
      this.start();
    });
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private start(): void {
    if (this.syncing || this.waiters.length === 0) return;
    this.syncing = true;
    this.syncs++;
    const covers = this.committed;
    this.fsync(this.fd, (err) => {
      this.syncing = false;
      if (err) {
        // After a failed fsync the kernel may have dropped the dirty pages: what is on disk is
        // unknown, so no write is acknowledged from now on (PostgreSQL stops for the same reason).
        // The errno (ENOSPC, EIO ...) stays on the cause, where the storage boundary classifies it.
        this.failure = new Error(`fsync of the SQLite WAL failed: ${err.message}`, { cause: err });
        for (const w of this.waiters.splice(0)) w.reject(this.failure);
        this.onFailure(this.failure);
        return;
      }
      this.durable = covers;
      const still: Waiter[] = [];
      for (const w of this.waiters) {
        if (w.commit <= covers) w.resolve();
        else still.push(w);
      }
      this.waiters = still;
      this.start();
    });
  }
}
