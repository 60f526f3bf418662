import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.js';
import pg from 'pg';

/**
 * A throwaway PostgreSQL server from Debian's binaries: temporary data directory, random
 * loopback port, durability switched off (it is deleted afterwards anyway).
 */
export interface PgCluster {
  adminUrl: string;
  /** Stops the server for good and deletes its data. */
  stop(): Promise<void>;
  /**
   * Stops the server and keeps its data, as `pg_ctl stop -m fast` (SIGINT: sessions are ended
   * with 57P01) or `-m immediate` (SIGQUIT: a crash, recovered from the WAL on the next start).
   */
  halt(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data, after `halt`; resolves once it accepts connections. */
  resume(): Promise<void>;
}

function findBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(dir, 'postgres'))) return dir;
  }
  throw new Error('PostgreSQL server binaries not found: install Debian\'s "postgresql" package (bash .ci/run does) or set PG_BIN');
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited early (${child.exitCode}):\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not become ready in 30 s:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * `crashSafe`: commits wait for their WAL to be written (synchronous_commit = on), so a crash of
 * PostgreSQL (not of the machine: fsync stays off) loses no acknowledged commit.
 */
export async function startPostgres(options: { crashSafe?: boolean } = {}): Promise<PgCluster> {
  const bin = findBinDir();
  const user = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-pg-'));
  if (user.uid !== undefined) fs.chownSync(dir, user.uid, user.gid!);
  const data = path.join(dir, 'data');
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', 'relaydesk', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C'], {
    ...user,
    env,
    cwd: dir,
    stdio: 'pipe',
  });
  const port = await freePort();
  let output = '';
  const launch = () => {
    const child = spawn(
      path.join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', `synchronous_commit=${options.crashSafe ? 'on' : 'off'}`,
        '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
      { ...user, env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return child;
  };
  let child = launch();
  const adminUrl = `postgres://relaydesk@127.0.0.1:${port}/postgres`;
  const halt = async (mode: 'fast' | 'immediate') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
  };
  const stop = async () => {
    await halt('fast');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const resume = async () => {
    child = launch();
    await waitUntilReady(adminUrl, child, () => output);
  };
  try {
    await waitUntilReady(adminUrl, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { adminUrl, stop, halt, resume };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database. The test runner starts one cluster for the whole run and passes its
 * admin URL in TEST_PG_ADMIN_URL; a test file run on its own starts (and stops) its own cluster.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  let cluster: PgCluster | undefined;
  let adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (!adminUrl) {
    cluster = await startPostgres();
    adminUrl = cluster.adminUrl;
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await cluster?.stop();
    },
  };
}
