import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** A throwaway redis-server from Debian's package on a random loopback port, no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const bin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!fs.existsSync(bin)) throw new Error('redis-server not found: install Debian\'s "redis-server" package (bash .ci/run does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-redis-'));
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/i.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
