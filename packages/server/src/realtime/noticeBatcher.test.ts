import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OutFrame } from './frames.js';
import { NoticeBatcher, type BatchTarget } from './noticeBatcher.js';

class Target implements BatchTarget {
  isClosed = false;
  readonly writes: string[][] = [];
  sendMany(frames: readonly OutFrame[]): void {
    this.writes.push(frames.map((f) => f.text));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NoticeBatcher', () => {
  it('writes what gathered for each connection in one go, in order, after the interval', async () => {
    const batcher = new NoticeBatcher(30);
    const a = new Target();
    const b = new Target();
    batcher.add(a, new OutFrame('a1'));
    batcher.add(b, new OutFrame('b1'));
    batcher.add(a, new OutFrame('a2'));
    assert.deepEqual(a.writes, [], 'nothing before the interval');
    await sleep(60);
    assert.deepEqual(a.writes, [['a1', 'a2']]);
    assert.deepEqual(b.writes, [['b1']]);

    batcher.add(a, new OutFrame('a3'));
    await sleep(60);
    assert.deepEqual(a.writes, [['a1', 'a2'], ['a3']], 'a later notice starts a new batch');
  });

  it('drops the batch of a connection that closed meanwhile', async () => {
    const batcher = new NoticeBatcher(20);
    const gone = new Target();
    batcher.add(gone, new OutFrame('x'));
    gone.isClosed = true;
    await sleep(40);
    assert.deepEqual(gone.writes, []);
  });

  it('flush writes at once (shutdown does not wait for the timer)', () => {
    const batcher = new NoticeBatcher(60_000);
    const a = new Target();
    batcher.add(a, new OutFrame('now'));
    batcher.flush();
    assert.deepEqual(a.writes, [['now']]);
    batcher.flush();
    assert.equal(a.writes.length, 1, 'nothing twice');
  });
});
