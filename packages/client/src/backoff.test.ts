import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

describe('Backoff: exponential, full jitter, capped', () => {
  it('ceilings double from the base up to the cap', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    const ceilings: number[] = [];
    for (let i = 0; i < 7; i++) {
      ceilings.push(backoff.ceiling());
      backoff.next();
    }
    assert.deepEqual(ceilings, [100, 200, 400, 800, 1000, 1000, 1000]);
    assert.equal(backoff.attempts, 7);
  });

  it('full jitter: a delay anywhere from 0 up to (not including) the ceiling', () => {
    const at = (r: number) => new Backoff({ baseMs: 100, capMs: 1000, random: () => r });
    assert.equal(at(0).next(), 0);
    assert.equal(at(0.5).next(), 50);
    assert.equal(at(0.999999).next(), 99);
    const third = at(0.5);
    third.next();
    third.next();
    assert.equal(third.next(), 200, 'half of the third ceiling (400)');
  });

  it('stays within the cap however many attempts failed', () => {
    const backoff = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999999 });
    for (let i = 0; i < 100; i++) assert.ok(backoff.next() < 30_000);
  });

  it("a server's retry hint is a floor, never ignored", () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.5 });
    assert.equal(backoff.next(3000), 3000, 'above the ceiling: the hint wins');
    assert.equal(backoff.next(10), 100, 'below the jittered delay: the delay wins');
  });

  it('reset starts the schedule over', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.5 });
    for (let i = 0; i < 5; i++) backoff.next();
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.ceiling(), 100);
    assert.equal(backoff.next(), 50);
  });

  it('defaults: 500 ms base, 30 s cap', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    assert.equal(backoff.ceiling(), 500);
    for (let i = 0; i < 20; i++) backoff.next();
    assert.equal(backoff.ceiling(), 30_000);
  });
});
