import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealtimeLimits } from '@relaydesk/protocol';
import { TEST_ORIGIN } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';
import { TestSocket, sleep } from './testSocket.js';

const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

/**
 * Protocol-level violations (a frame over 64 KiB, invalid UTF-8 in a text frame) are handled by
 * the ws library, which closes the socket and emits 'error' on it. These run the real entry
 * point in its own process, so a crash of the server shows as a dead process, not as noise in
 * the test runner.
 */
describe('WebSocket gateway: protocol violations against the real server process', () => {
  let child: ChildProcess;
  let cwd: string;
  let url: string;
  let output = '';
  let alice: TestClient;

  beforeEach(async () => {
    output = '';
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-ws-proc-'));
    child = spawn(process.execPath, [mainJs], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', PUBLIC_URL: TEST_ORIGIN, PASSWORD_HASH_MEMORY_KIB: '8192', DRAIN_DELAY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        url = match[1];
        break;
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
      await sleep(50);
    }
    alice = new TestClient(url);
    const login = await alice.post('/api/v1/auth/login', { username: 'alice_dev', password: 'demo123' });
    assert.equal(login.status, 200, login.text);
  });

  afterEach(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      child.kill('SIGKILL');
    }
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  async function assertServerAlive(watcher: TestSocket): Promise<void> {
    await sleep(300);
    assert.equal(child.exitCode, null, `the server process must survive; its output:\n${output.slice(-3000)}`);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    await watcher.roundTrip();
    assert.ok(watcher.isOpen, 'other sockets are unaffected');
  }

  it('a frame one byte over 64 KiB closes that socket with 1009 and the server keeps running', async () => {
    const watcher = await TestSocket.live(alice);
    const socket = await TestSocket.live(alice);
    const head = '{"type":"ping","ref":"big"';
    const frame = head + ' '.repeat(RealtimeLimits.maxFrameBytes + 1 - head.length - 1) + '}';
    assert.equal(Buffer.byteLength(frame), RealtimeLimits.maxFrameBytes + 1);
    socket.sendRaw(frame);
    assert.equal((await socket.waitForClose(3000)).code, 1009);
    assert.equal(socket.ofType('pong').length, 1, 'only the pong of the resume round trip: the big frame was not processed');
    await assertServerAlive(watcher);
    await watcher.close();
  });

  it('a text frame with invalid UTF-8 closes that socket with 1007 and the server keeps running', async () => {
    const watcher = await TestSocket.live(alice);
    const socket = await TestSocket.live(alice);
    socket.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    assert.equal((await socket.waitForClose(3000)).code, 1007);
    await assertServerAlive(watcher);
    await watcher.close();
  });

  it('an unauthenticated client (bad ticket) sending an oversized frame on open cannot crash the server', async () => {
    const watcher = await TestSocket.live(alice);
    const socket = new TestSocket(url, 'not-a-ticket');
    socket.ws.once('open', () => socket.sendRaw('x'.repeat(RealtimeLimits.maxFrameBytes + 1)));
    const { code } = await socket.waitForClose(3000);
    assert.ok(code === 4001 || code === 1009, `closed with ${code}`);
    await assertServerAlive(watcher);
    await watcher.close();
  });
});
