import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type QueueRefusal } from './workQueue.js';

/** A job that finishes when told to, recording when it started. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const started: string[] = [];
  const job = (name: string) => async () => {
    started.push(name);
    await opened;
    return name;
  };
  return { open, started, job };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue: bounded concurrency and waiting in front of expensive work', () => {
  it('runs at most `concurrency` jobs; the next starts when one finishes, in order', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 5, maxWaitMs: 5000, perKey: 5 });
    const first = gate();
    const second = gate();
    const a = queue.run('u', first.job('a'));
    const b = queue.run('v', second.job('b'));
    const c = queue.run('w', second.job('c'));
    await tick();
    assert.deepEqual([first.started, second.started], [['a'], []]);
    assert.deepEqual(queue.load, { running: 1, waiting: 2 });
    first.open();
    assert.equal(await a, 'a');
    await tick();
    assert.deepEqual(second.started, ['b']);
    assert.deepEqual(queue.load, { running: 1, waiting: 1 });
    second.open();
    assert.deepEqual(await Promise.all([b, c]), ['b', 'c']);
    assert.deepEqual(queue.load, { running: 0, waiting: 0 });
  });

  it('a full queue refuses at once with SERVER_BUSY (503); a key over its share with RATE_LIMITED (429)', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 1, maxWaitMs: 5000, perKey: 2 });
    const g = gate();
    const running = queue.run('u', g.job('1'));
    const waiting = queue.run('u', g.job('2'));
    await assert.rejects(queue.run('u', g.job('3')), (e: QueueRefusal) => e.code === 'RATE_LIMITED' && e.status === 429 && e.retryAfterSeconds === 5);
    await assert.rejects(queue.run('v', g.job('4')), (e: QueueRefusal) => e.code === 'SERVER_BUSY' && e.status === 503);
    g.open();
    assert.deepEqual(await Promise.all([running, waiting]), ['1', '2']);
    assert.equal(await queue.run('u', async () => 'again'), 'again', 'shares and slots are given back');
  });

  it('a job that waited past maxWaitMs is refused, not run; a failing job frees its slot', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 5, maxWaitMs: 50, perKey: 5 });
    const g = gate();
    const running = queue.run('u', g.job('long'));
    let ran = false;
    await assert.rejects(queue.run('v', async () => (ran = true)), (e: QueueRefusal) => e.code === 'SERVER_BUSY');
    assert.equal(ran, false);
    g.open();
    await running;
    await assert.rejects(queue.run('u', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.deepEqual(queue.load, { running: 0, waiting: 0 });
    assert.equal(await queue.run('u', async () => 'ok'), 'ok');
  });
});
