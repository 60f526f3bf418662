import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NoticeBatcher, type BatchTarget } from './noticeBatcher.js';

class Target implements BatchTarget<string> {
  isClosed = false;
  readonly writes: string[][] = [];
  deliverBatch(items: readonly string[]): void {
    this.writes.push([...items]);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('NoticeBatcher', () => {
  it('writes what gathered for each connection in one go, in order, after the interval', async () => {
    const batcher = new NoticeBatcher<string>(30);
    const a = new Target();
    const b = new Target();
    batcher.add(a, 'a1');
    batcher.add(b, 'b1');
    batcher.add(a, 'a2');
    assert.deepEqual(a.writes, [], 'nothing before the interval');
    await sleep(60);
    assert.deepEqual(a.writes, [['a1', 'a2']]);
    assert.deepEqual(b.writes, [['b1']]);

    batcher.add(a, 'a3');
    await sleep(60);
    assert.deepEqual(a.writes, [['a1', 'a2'], ['a3']], 'a later notice starts a new batch');
  });

  it('drops the batch of a connection that closed meanwhile', async () => {
    const batcher = new NoticeBatcher<string>(20);
    const gone = new Target();
    batcher.add(gone, 'x');
    gone.isClosed = true;
    await sleep(40);
    assert.deepEqual(gone.writes, []);
  });

  it('flush writes at once (shutdown does not wait for the timer)', () => {
    const batcher = new NoticeBatcher<string>(60_000);
    const a = new Target();
    batcher.add(a, 'now');
    batcher.flush();
    assert.deepEqual(a.writes, [['now']]);
    batcher.flush();
    assert.equal(a.writes.length, 1, 'nothing twice');
  });
});
