import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Message } from '@relaydesk/protocol';
import type { TestServer } from '../testing/testServer.js';
import { ServerProcess } from '../testing/serverProcess.js';
import { RestSender, checkDurability, chatClients, untilAcked, type Deployment } from '../testing/durabilityChecker.js';
import { assertError, eventPage, postMessage, setUpTeam, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep } from '../realtime/testSocket.js';

const SENDS = 20;
/** Room for the database, its WAL and the uploads folder, and little more. */
const DISK = '24m';

/** Only root may mount; CI runs as root (see .ci/run). */
const notRoot = process.getuid?.() !== 0 ? 'mounting a tmpfs needs root (CI runs as root)' : false;

/** Writes until the file system says ENOSPC; returns the filler's path. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (const size of [1024 * 1024, 4096, 512]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

/**
 * SQLite on a disk that fills up under load (a small tmpfs, really full: writes get ENOSPC, and
 * SQLite SQLITE_FULL), then gets its space back. RelayDesk runs as its own process.
 */
describe('storage faults: the disk under SQLite fills up under load', { skip: notRoot }, () => {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-full-'));
  let proc: ServerProcess;
  let url: string;
  before(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK}`, 'tmpfs', mount]);
    ({ proc, url } = await ServerProcess.start({ cwd: mount, env: { DATA_DIR: path.join(mount, 'data'), SEED_DEMO: 'false' } }));
  });
  after(async () => {
    await proc?.kill();
    execFileSync('umount', [mount]);
    fs.rmSync(mount, { recursive: true, force: true });
  });

  it('answers 503 STORAGE_FULL (socket: an error frame, no ack), /ready says full, reads still work; once space is freed, writes work again and every ack is durable, once', async () => {
    const team = await setUpTeam({ url } as TestServer, 3);
    const [probe, ...senders] = [team.owner, ...team.members] as [Person, ...Person[]];
    const startSeq = (await eventPage(probe, team.channelId, 0, 1)).lastSeq;
    const probeSocket = await TestSocket.live(probe.client);
    const deployment: Deployment = { url };
    const clients = chatClients(senders, team.channelId, startSeq, { sends: SENDS, pauseMs: 5 });
    const restSenders = senders.map((p, i) => new RestSender(`r${i}`, p, team.channelId, SENDS / 2));
    const running = Promise.all([...clients, ...restSenders].map((c) => c.run(deployment)));
    running.catch(() => undefined); // awaited below; a failure must not go unhandled before that
    await untilAcked(clients, SENDS / 2);

    const filler = fillDisk(mount);
    // SQLite reuses the WAL's space after a checkpoint, so a write may still fit: the first
    // one that needs more space fails.
    const probeAcked: Message[] = [];
    let write;
    for (let i = 0; i < 100; i++) {
      write = await postMessage(probe, team.channelId, `probe ${i} ${'x'.repeat(4000)}`);
      if (write.status !== 201) break;
      probeAcked.push(write.body);
    }
    assertError(write!, 503, 'STORAGE_FULL');
    assert.equal(write!.headers.get('retry-after'), '30');
    const answer = await probeSocket.request({ type: 'send', ref: 'full', channelId: team.channelId, body: 'socket on a full disk', clientMessageId: 'probe-socket-full' });
    assert.equal(answer.type, 'error', JSON.stringify(answer));
    assert.equal(answer.type === 'error' && answer.code, 'STORAGE_FULL');
    assert.equal(answer.type === 'error' && answer.retryAfterMs, 30_000);
    const ready = await probe.client.get('/ready');
    assertError(ready, 503, 'NOT_READY');
    assert.deepEqual(ready.body.error.details, [{ field: 'database', message: 'full' }]);
    const read = await probe.client.get(`/api/v1/channels/${team.channelId}/messages?limit=5`);
    assert.equal(read.status, 200, `reads need no space: ${read.text}`);
    await sleep(200);
    assert.ok(proc.alive, `the server must keep running on a full disk:\n${proc.output.slice(-3000)}`);

    fs.rmSync(filler);
    assert.equal((await fetch(`${url}/ready`)).status, 200, 'ready again once there is room');
    const afterwards = await postMessage(probe, team.channelId, 'room again', { clientMessageId: 'probe-after' });
    assert.equal(afterwards.status, 201, afterwards.text);
    const ack = await probeSocket.request({ type: 'send', ref: 'after', channelId: team.channelId, body: 'socket again', clientMessageId: 'probe-socket-full' });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    await running;
    assert.ok(proc.alive);

    // The log names the cause, not the failed rollback that followed it.
    assert.match(proc.output, /"msg":"storage full: SQLITE_FULL: database or disk is full"/);
    assert.doesNotMatch(proc.output, /cannot rollback|unhandled error|realtime operation failed/);
    for (const c of clients) assert.deepEqual(c.errors.filter((e) => e !== 'STORAGE_FULL'), [], `${c.name}: only STORAGE_FULL`);

    await checkDurability({ url, reader: probe, channelId: team.channelId, startSeq, clients, restSenders, alsoAcked: [...probeAcked, afterwards.body, ack.type === 'ack' ? ack.message! : afterwards.body] });
    await probeSocket.close();
    for (const c of clients) await c.close();
  });
});
