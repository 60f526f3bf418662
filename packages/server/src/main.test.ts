import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestClient } from './testing/httpClient.js';
import { TEST_ORIGIN } from './testing/testServer.js';
import { TestSocket } from './realtime/testSocket.js';

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

/** Runs the real entry point as `npm start` does, in a temporary working directory. */
function launch(env: Record<string, string>) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-main-'));
  const child = spawn(process.execPath, [mainJs], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', PASSWORD_HASH_MEMORY_KIB: '8192', DRAIN_DELAY_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = async (): Promise<string> => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match?.[1]) return match[1];
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server did not start:\n${stdout}\n${stderr}`);
  };
  return { child, cwd, exited, listening, output: () => stdout + stderr };
}

describe('the server process', () => {
  it('starts with demo data in ./data, serves, and shuts down cleanly on SIGTERM', async () => {
    const proc = launch({});
    try {
      const url = await proc.listening();
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice_dev', password: 'demo123' }),
      });
      assert.equal(login.status, 200, 'demo account alice_dev / demo123 works');
      assert.ok(fs.existsSync(path.join(proc.cwd, 'data', 'relaydesk.sqlite')));

      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 0);
      assert.match(proc.output(), /shutting down/);
      // A clean close checkpoints the WAL into the database file and removes it.
      assert.equal(fs.existsSync(path.join(proc.cwd, 'data', 'relaydesk.sqlite-wal')), false);
    } finally {
      proc.child.kill('SIGKILL');
      fs.rmSync(proc.cwd, { recursive: true, force: true });
    }
  });

  it('finishes an in-flight request before exiting on SIGINT', async () => {
    const proc = launch({ SEED_DEMO: 'true' });
    try {
      const url = await proc.listening();
      // A request whose headers are in and whose body is still arriving when the signal lands
      // is in flight for sure: it must be finished, not cut off or answered 503.
      const body = JSON.stringify({ email: 'late@example.com', username: 'late_user', password: 'long enough' });
      const { port } = new URL(url);
      const inFlight = new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/auth/register', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          proc.child.kill('SIGINT');
          setTimeout(() => req.end(body.slice(10)), 100);
        }, 200);
      });
      assert.equal(await inFlight, 201);
      assert.equal(await proc.exited, 0);
    } finally {
      proc.child.kill('SIGKILL');
      fs.rmSync(proc.cwd, { recursive: true, force: true });
    }
  });

  it('drains on SIGTERM: /ready turns 503 at once while requests are still served, then sockets close with 1012', async () => {
    const proc = launch({ DRAIN_DELAY_MS: '1500', PUBLIC_URL: TEST_ORIGIN });
    try {
      const url = await proc.listening();
      const alice = new TestClient(url);
      assert.equal((await alice.post('/api/v1/auth/login', { username: 'alice_dev', password: 'demo123' })).status, 200);
      const socket = await TestSocket.live(alice);
      assert.equal((await alice.get('/ready')).status, 200);

      proc.child.kill('SIGTERM');
      await waitFor(async () => (await alice.get('/ready')).status === 503);
      const ready = await alice.get('/ready');
      assert.equal(ready.body.error.code, 'NOT_READY');
      assert.deepEqual(ready.body.error.details, [{ field: 'node', message: 'draining' }]);
      // Still serving while the balancer takes it out of rotation: requests, and the open socket.
      assert.equal((await alice.get('/api/v1/auth/me')).status, 200);
      assert.equal(socket.isOpen, true);
      assert.equal((await socket.waitForClose(5000)).code, 1012);
      assert.equal(await proc.exited, 0);
    } finally {
      proc.child.kill('SIGKILL');
      fs.rmSync(proc.cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start on bad configuration, naming every problem', async () => {
    const proc = launch({ NODE_ENV: 'production', PORT: 'not-a-port', DATABASE_URL: 'mysql://nope' });
    try {
      assert.equal(await proc.exited, 1);
      const out = proc.output();
      assert.match(out, /Invalid configuration/);
      assert.match(out, /PORT:/);
      assert.match(out, /DATABASE_URL:/);
      assert.match(out, /JWT_SECRET:/);
    } finally {
      fs.rmSync(proc.cwd, { recursive: true, force: true });
    }
  });
});
