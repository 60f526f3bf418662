import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.js';

/**
 * Test helper (not shipped behaviour): like `startRedis()` (testing/redisServer.ts), a throwaway
 * redis-server from Debian's package without persistence, but one that can be stopped and started
 * again on the SAME port, as a Redis restart looks to the nodes that keep its URL: every
 * connection drops, and what comes back is an empty Redis (no persistence: pub/sub subscriptions,
 * counters and presence keys are gone).
 */
export interface RestartableRedis {
  url: string;
  port: number;
  running(): boolean;
  /** Stops it (SIGTERM, or SIGKILL with `{ kill: true }`); its directory stays for `start()`. */
  halt(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
  output(): string;
}

export async function startRestartableRedis(): Promise<RestartableRedis> {
  const bin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!fs.existsSync(bin)) throw new Error('redis-server not found: install Debian\'s "redis-server" package (bash .ci/run does)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-redis-'));
  const port = await freePort();
  let output = '';
  let child: ChildProcess | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const halt = async (options: { kill?: boolean } = {}) => {
    if (!child || !running()) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill(options.kill ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  const start = async () => {
    if (running()) return;
    const from = output.length;
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!/Ready to accept connections/i.test(output.slice(from))) {
      if (!running() || Date.now() > deadline) {
        await halt({ kill: true });
        throw new Error(`redis-server did not start on port ${port}:\n${output.slice(from)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const stop = async () => {
    await halt();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { url: `redis://127.0.0.1:${port}`, port, running, halt, start, stop, output: () => output };
}
