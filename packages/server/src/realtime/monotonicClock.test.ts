import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualMonotonicClock, monotonicClock } from '../clock.js';
import { TokenBucket } from './tokenBucket.js';
import { Throttle } from './throttle.js';
import { MessageRate } from './activity.js';
import { FixedWindowCounter } from '../rateLimit/fixedWindow.js';
import { RateLimits } from '../rateLimit/limiters.js';

/**
 * Every interval in the server is measured on a MonotonicClock. These run the limiters on a
 * manual one; the wall-clock side (a real step under libfaketime) is in clockStep.test.ts.
 */
describe('intervals on monotonic time', () => {
  it('the system monotonic clock never goes back, and is not the wall clock', () => {
    let last = monotonicClock.elapsedMs();
    for (let i = 0; i < 1000; i++) {
      const t = monotonicClock.elapsedMs();
      assert.ok(t >= last);
      last = t;
    }
    assert.ok(Math.abs(last - Date.now()) > 1e9, 'a reading is not an epoch timestamp');
    assert.throws(() => new ManualMonotonicClock().advance(-1));
  });

  it('token bucket: the burst, then refusals naming the wait, then refill at the rate', () => {
    const clock = new ManualMonotonicClock();
    const bucket = new TokenBucket(10, 20, clock);
    for (let i = 0; i < 20; i++) assert.deepEqual(bucket.take(), { ok: true });
    assert.deepEqual(bucket.take(), { ok: false, retryAfterMs: 100 });
    clock.advance(99);
    assert.equal(bucket.take().ok, false);
    clock.advance(1);
    assert.equal(bucket.take().ok, true);
    clock.advance(60 * 60 * 1000); // an idle hour refills to the burst, not beyond
    for (let i = 0; i < 20; i++) assert.equal(bucket.take().ok, true);
    assert.equal(bucket.take().ok, false);
  });

  it('throttle: one event per key per interval; prune forgets only ended intervals', () => {
    const clock = new ManualMonotonicClock();
    const throttle = new Throttle(2000, clock);
    assert.equal(throttle.allow('a'), true);
    assert.equal(throttle.allow('a'), false);
    assert.equal(throttle.allow('b'), true, 'keys are independent');
    clock.advance(1999);
    assert.equal(throttle.allow('a'), false);
    clock.advance(1);
    assert.equal(throttle.allow('a'), true);
  });

  it('message rate: counts the last window only', () => {
    const clock = new ManualMonotonicClock();
    const rate = new MessageRate(60_000, clock);
    rate.record('w');
    clock.advance(30_000);
    rate.record('w');
    assert.equal(rate.perWindow('w'), 2);
    clock.advance(30_000);
    assert.equal(rate.perWindow('w'), 1);
    clock.advance(30_000);
    assert.equal(rate.perWindow('w'), 0);
  });

  it('fixed window: counts per key, reports the time left, starts afresh when the window ends', () => {
    const clock = new ManualMonotonicClock();
    const counter = new FixedWindowCounter(60_000, clock);
    assert.deepEqual(counter.hit('k'), { count: 1, msLeft: 60_000 });
    clock.advance(45_000);
    assert.deepEqual(counter.hit('k'), { count: 2, msLeft: 15_000 });
    assert.deepEqual(counter.hit('other'), { count: 1, msLeft: 60_000 });
    clock.advance(15_000);
    assert.deepEqual(counter.hit('k'), { count: 1, msLeft: 60_000 });
  });

  it('REST limits (in-process): the refusal never announces more than the window', async () => {
    const clock = new ManualMonotonicClock();
    const limits = new RateLimits({ loginPerMin: 3, apiPerMin: 3, anonPerMin: 3, webhookPerMin: 3 }, undefined, clock);
    for (let i = 0; i < 3; i++) assert.equal((await limits.consume('anon_ip', '192.0.2.1')).allowed, true);
    clock.advance(10_000);
    const refused = await limits.consume('anon_ip', '192.0.2.1');
    assert.deepEqual(refused, { allowed: false, limit: 3, remaining: 0, resetMs: 50_000 });
    assert.equal((await limits.consume('anon_ip', '192.0.2.2')).allowed, true, 'per key');
    clock.advance(50_000);
    assert.deepEqual(await limits.consume('anon_ip', '192.0.2.1'), { allowed: true, limit: 3, remaining: 2, resetMs: 60_000 });
  });
});
