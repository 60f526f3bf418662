import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_ORIGIN, type TestServer } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';
import { setUpTeam, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep } from './testSocket.js';

const mainJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main.js');
const ANON_PER_MIN = 40;

/** Debian's libfaketime (package faketime); the multi-threaded build, as Node runs threads. */
function libfaketime(): string {
  const candidates = fs.readdirSync('/usr/lib', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join('/usr/lib', d.name, 'faketime', 'libfaketimeMT.so.1'));
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('libfaketime is missing: apt-get install faketime (.ci/run installs it)');
  return found;
}

/**
 * The real server process under libfaketime, whose wall-clock offset is read from a file on
 * every call (FAKETIME_NO_CACHE), so a test steps it while the server runs, as NTP would.
 * CLOCK_MONOTONIC is left alone: it does not step on a real machine either.
 */
async function launchUnderFaketime(): Promise<{ url: string; child: ChildProcess; step: (offset: string) => void; close: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-clock-'));
  const offsetFile = path.join(dir, 'faketime');
  const step = (offset: string) => fs.writeFileSync(offsetFile, `${offset}\n`);
  step('+0');
  const child = spawn(process.execPath, [mainJs], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      LD_PRELOAD: libfaketime(),
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: path.join(dir, 'data'),
      PUBLIC_URL: TEST_ORIGIN,
      SEED_DEMO: 'false',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      RATE_LIMIT_ANON_PER_MIN: String(ANON_PER_MIN),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (let waited = 0; waited < 20_000; waited += 50) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match?.[1]) return { url: match[1], child, step, close };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  await close();
  throw new Error(`server did not start under libfaketime:\n${output}`);
}

describe('a one-hour backward step of the wall clock (libfaketime, real server process)', () => {
  let server: Awaited<ReturnType<typeof launchUnderFaketime>>;
  let team: Team;
  let typist: TestSocket;
  let watcher: TestSocket;

  before(async () => {
    server = await launchUnderFaketime();
    team = await setUpTeam({ url: server.url } as TestServer, 2);
    typist = await TestSocket.live(team.members[0]!.client);
    watcher = await TestSocket.live(team.members[1]!.client);
    // Before the step: a typing notice relays (the throttle remembers it), the socket's bucket
    // and the anonymous REST window are both in use.
    typist.send({ type: 'typing', channelId: team.channelId });
    await watcher.next('typing');
    await typist.roundTrip();
    assert.equal((await new TestClient(server.url).get('/api/v1/auth/me')).status, 401);
    server.step('-3600');
    // The server's wall clock now reads an hour earlier (Node refreshes its Date header each second).
    await sleep(1_100);
    const date = Date.parse((await fetch(`${server.url}/health`)).headers.get('date') ?? '');
    assert.ok(Date.now() - date > 3500_000, `server Date header ${new Date(date).toISOString()}`);
  });
  after(async () => {
    await typist?.close();
    await watcher?.close();
    await server?.close();
  });

  it('an open socket is not rate limited: a burst of operations is answered and the socket stays open', async () => {
    const refs = Array.from({ length: 10 }, (_, i) => `after-step-${i}`);
    for (const ref of refs) typist.send({ type: 'ping', ref });
    const answers = await typist.waitForCount((f) => (f.type === 'pong' || f.type === 'error') && refs.includes(f.ref ?? ''), refs.length);
    assert.deepEqual(answers.map((f) => f.type), refs.map(() => 'pong'), JSON.stringify(answers.filter((f) => f.type === 'error')));
    assert.ok(typist.isOpen);
  });

  it('typing still relays once the throttle interval has passed', async () => {
    await sleep(2_100);
    const from = watcher.frames.length;
    typist.send({ type: 'typing', channelId: team.channelId });
    const notice = await watcher.next('typing', () => true, { from, timeoutMs: 2_000 });
    assert.equal(notice.userId, team.members[0]!.user.id);
  });

  it('a 429 announces at most the one-minute window in Retry-After', async () => {
    const anonymous = new TestClient(server.url);
    let refused;
    for (let i = 0; i <= ANON_PER_MIN && !refused; i++) {
      const res = await anonymous.get('/api/v1/auth/me');
      if (res.status === 429) refused = res;
    }
    assert.ok(refused, 'the anonymous limit is reached');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.ok(Number(refused.headers.get('ratelimit-reset')) <= 60);
  });
});
