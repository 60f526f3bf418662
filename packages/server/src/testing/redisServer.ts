import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  /** Stops it (SIGKILL: a crash, every key lost, as without persistence) and starts it again on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
}

/** A throwaway redis-server from Debian's package on a random loopback port, no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!fs.existsSync(bin)) throw new Error('redis-server not found: install Debian\'s "redis-server" package (bash .ci/run does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-redis-'));
  const port = await freePort();
  let child = await launch(bin, port, dir);
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    }
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await halt('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    restart: async ({ downMs = 0 } = {}) => {
      await halt('SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch(bin, port, dir);
    },
  };
}

async function launch(bin: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/i.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return child;
}
