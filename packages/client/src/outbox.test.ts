import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from './api.js';
import { ApiError } from './errors.js';
import { MemoryOutboxStore, Outbox, type OutboxItem } from './outbox.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deliver function that records every attempt; `fail` decides per attempt what goes wrong. */
function fakeDeliver(fail: (item: OutboxItem, attempt: number) => ApiError | undefined = () => undefined, delayMs = 0) {
  const attempts: { id: string; body: string }[] = [];
  const delivered: string[] = [];
  const deliver = async (item: OutboxItem): Promise<Message> => {
    attempts.push({ id: item.clientMessageId, body: item.body });
    await sleep(delayMs);
    const error = fail(item, attempts.length);
    if (error) throw error;
    delivered.push(item.clientMessageId);
    return { id: `m-${item.clientMessageId}`, clientMessageId: item.clientMessageId } as Message;
  };
  return { deliver, attempts, delivered };
}

let clock = Date.parse('2026-01-01T00:00:00Z');
const now = () => new Date(clock++);
const network = () => new ApiError(0, 'NETWORK_ERROR', 'offline');

describe('Outbox', () => {
  it('after a transient failure it retries by itself (no reconnect needed), not before the server\'s hint', async () => {
    const d = fakeDeliver((_item, attempt) => (attempt === 1 ? new ApiError(429, 'RATE_LIMITED', 'slow down', null, [], 150) : undefined));
    const outbox = new Outbox({ deliver: d.deliver, now });
    const started = Date.now();
    await outbox.enqueue({ channelId: 'c1', body: 'hi', clientMessageId: 'r1' }); // starts the first attempt
    await sleep(20);
    assert.equal(d.attempts.length, 1);
    assert.equal(outbox.list()[0]?.status, 'pending');
    while (d.delivered.length === 0 && Date.now() - started < 3000) await sleep(20);
    assert.deepEqual(d.delivered, ['r1'], 'delivered by the retry timer');
    assert.ok(Date.now() - started >= 150, 'the hint is a floor');
    assert.equal(d.attempts.length, 2);
    outbox.stop();
  });

  it('the same clientMessageId enqueued twice is one item and one delivery', async () => {
    const d = fakeDeliver(undefined, 5);
    const outbox = new Outbox({ deliver: d.deliver, now });
    const [a, b] = await Promise.all([
      outbox.enqueue({ channelId: 'c1', body: 'hi', clientMessageId: 'same' }),
      outbox.enqueue({ channelId: 'c1', body: 'hi', clientMessageId: 'same' }),
    ]);
    assert.equal(a, b);
    await outbox.flush();
    assert.deepEqual(d.delivered, ['same']);
    assert.equal(d.attempts.length, 1);
    assert.deepEqual(outbox.list(), []);
  });

  it('a transient error keeps the item pending; a later flush delivers it with the same id', async () => {
    let online = false;
    const d = fakeDeliver(() => (online ? undefined : network()));
    const outbox = new Outbox({ deliver: d.deliver, now, newId: () => 'id-1' });
    const sent: string[] = [];
    outbox.on('sent', (item, message) => sent.push(`${item.clientMessageId}->${message.id}`));
    await outbox.enqueue({ channelId: 'c1', body: 'offline message' });
    await outbox.flush();
    assert.deepEqual(outbox.list().map((i) => i.status), ['pending']);
    online = true;
    await outbox.flush();
    assert.ok(d.attempts.length >= 2);
    assert.ok(d.attempts.every((a) => a.id === 'id-1'), 'every attempt carries the same client message id');
    assert.deepEqual(sent, ['id-1->m-id-1']);
    assert.deepEqual(outbox.list(), []);
  });

  it('a 4xx makes the item failed with its error; retry sends it again, discard drops it', async () => {
    let refuse = true;
    const d = fakeDeliver(() => (refuse ? new ApiError(403, 'NOT_A_MEMBER', 'not a member') : undefined));
    const store = new MemoryOutboxStore();
    const outbox = new Outbox({ deliver: d.deliver, store, now });
    const a = await outbox.enqueue({ channelId: 'c1', body: 'a' });
    const b = await outbox.enqueue({ channelId: 'c1', body: 'b' });
    await outbox.flush();
    assert.deepEqual(outbox.list().map((i) => [i.status, i.error?.code]), [['failed', 'NOT_A_MEMBER'], ['failed', 'NOT_A_MEMBER']]);
    assert.deepEqual((await store.load()).map((i) => i.status), ['failed', 'failed'], 'the failure is persisted');
    await outbox.flush();
    assert.equal(d.attempts.length, 2, 'failed items wait for the user: a flush does not resend them');

    refuse = false;
    await outbox.retry(a.clientMessageId);
    await outbox.flush();
    assert.deepEqual(d.delivered, [a.clientMessageId]);
    await outbox.discard(b.clientMessageId);
    assert.deepEqual(outbox.list(), []);
    assert.deepEqual(await store.load(), []);
    await outbox.flush();
    assert.deepEqual(d.delivered, [a.clientMessageId], 'a discarded message is never sent');
  });

  it('load() restores persisted items, an interrupted "sending" one as pending, and sends them oldest first', async () => {
    const store = new MemoryOutboxStore();
    const base = { channelId: 'c1', status: 'pending' as const };
    await store.put({ ...base, clientMessageId: 'third', body: '3', createdAt: '2026-01-01T00:00:03.000Z' });
    await store.put({ ...base, clientMessageId: 'first', body: '1', createdAt: '2026-01-01T00:00:01.000Z', status: 'sending' });
    await store.put({ ...base, clientMessageId: 'second', body: '2', createdAt: '2026-01-01T00:00:02.000Z' });
    const d = fakeDeliver();
    const outbox = new Outbox({ deliver: d.deliver, store });
    await outbox.load();
    assert.deepEqual(outbox.list().map((i) => [i.clientMessageId, i.status]), [['first', 'pending'], ['second', 'pending'], ['third', 'pending']]);
    await outbox.flush();
    assert.deepEqual(d.delivered, ['first', 'second', 'third']);
    assert.deepEqual(await store.load(), []);
  });

  it('a transient failure stops the pass, so a later message never overtakes an earlier one', async () => {
    const d = fakeDeliver((item, attempt) => (item.body === 'a' && attempt === 1 ? network() : undefined));
    const outbox = new Outbox({ deliver: d.deliver, now });
    await outbox.enqueue({ channelId: 'c1', body: 'a', clientMessageId: 'a' });
    await outbox.enqueue({ channelId: 'c1', body: 'b', clientMessageId: 'b' });
    await outbox.flush();
    await outbox.flush();
    assert.deepEqual(d.attempts.map((a) => a.id), ['a', 'a', 'b'], 'b waits until a went through');
    assert.deepEqual(d.delivered, ['a', 'b']);
  });

  it('concurrent flush calls never deliver one item twice', async () => {
    const d = fakeDeliver(undefined, 2);
    const outbox = new Outbox({ deliver: d.deliver, now });
    const ids = Array.from({ length: 5 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => outbox.enqueue({ channelId: 'c1', body: id, clientMessageId: id })));
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush(), outbox.retry('m0'), outbox.flush()]);
    assert.deepEqual(d.attempts.map((a) => a.id), ids, 'each item delivered exactly once, oldest first');
    assert.deepEqual(outbox.list(), []);
  });
});
