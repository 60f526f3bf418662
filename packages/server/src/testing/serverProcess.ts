import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ORIGIN } from './testServer.js';

const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

/**
 * The real entry point in a process of its own, as `npm start` runs it: a crash shows as a dead
 * process (not as noise in the test runner), and kill -9 is a real kill -9.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr. */
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(env: Record<string, string>, cwd: string, wrapper: string[]) {
    const [command, ...args] = [...wrapper, process.execPath, mainJs];
    this.child = spawn(command!, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', PUBLIC_URL: TEST_ORIGIN, PASSWORD_HASH_MEMORY_KIB: '8192', LOG_LEVEL: 'warn', DRAIN_DELAY_MS: '0',
        RATE_LIMIT_LOGIN_PER_MIN: '1000', RATE_LIMIT_API_PER_MIN: '100000', RATE_LIMIT_ANON_PER_MIN: '100000', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts the server in `cwd` (its ./data unless DATA_DIR or DATABASE_URL say otherwise) and
   * waits until it listens. `wrapper` runs it under another program, e.g. `faketime`.
   */
  static async start(options: { env?: Record<string, string>; cwd: string; wrapper?: string[] }): Promise<{ proc: ServerProcess; url: string }> {
    const proc = new ServerProcess({ LOG_LEVEL: 'info', ...options.env }, options.cwd, options.wrapper ?? []);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.output);
      if (match?.[1]) return { proc, url: match[1] };
      if (proc.alive === false || Date.now() > deadline) {
        proc.child.kill('SIGKILL');
        throw new Error(`the server did not start:\n${proc.output}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no shutdown of any kind. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Environment that runs a process under Debian's libfaketime (package `faketime`, which .ci/run
 * installs) with its wall clock offset by what `step` last wrote ("+0", "-1h", "+10m"), read
 * on every call, so a test steps the clock of a running server as NTP would. CLOCK_MONOTONIC
 * is left alone: it does not step on a real machine either. The multi-threaded build, as Node
 * runs threads.
 */
export function steppedClock(dir: string): { env: Record<string, string>; step: (offset: string) => void } {
  const library = fs.readdirSync('/usr/lib', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join('/usr/lib', d.name, 'faketime', 'libfaketimeMT.so.1'))
    .find((p) => fs.existsSync(p));
  if (!library) throw new Error('libfaketime is missing: apt-get install faketime (.ci/run installs it)');
  const offsetFile = path.join(dir, 'faketime-offset');
  const step = (offset: string) => fs.writeFileSync(offsetFile, `${offset}\n`);
  step('+0');
  return {
    env: { LD_PRELOAD: library, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' },
    step,
  };
}
