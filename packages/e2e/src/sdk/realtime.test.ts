import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '@relaydesk/client';
import { startTestServer, type TestServer } from '@relaydesk/server/dist/testing/testServer.js';
import { followFromHead, record, twoMembers, until } from '../support/sdk.js';

const created = (events: ReturnType<typeof record>['events']) =>
  events.flatMap((e) => (e.event.type === 'message.created' ? [e.event.message] : []));

describe('SDK: real time between two clients (sqlite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("a message sent through one client's outbox reaches the other as one event, in seq order", async () => {
    const { alice, bob, channelId } = await twoMembers(server.url);
    const head = await followFromHead(bob, channelId);
    await followFromHead(alice, channelId);
    const a = record(alice);
    const b = record(bob);
    alice.realtime.start();
    bob.realtime.start();
    await until(() => alice.realtime.state === 'online' && bob.realtime.state === 'online', 'both online');

    const sent: Message[] = [];
    alice.outbox.on('sent', (_item, message) => sent.push(message));
    const item = await alice.outbox.enqueue({ channelId, body: 'hello bob' });
    await until(() => sent.length === 1, 'the outbox to deliver');
    assert.equal(sent[0]!.clientMessageId, item.clientMessageId);
    assert.deepEqual(alice.outbox.list(), []);

    // A second message: once it has arrived, anything duplicated of the first would have too.
    await alice.outbox.enqueue({ channelId, body: 'second' });
    await until(() => created(b.events).length === 2, 'bob to receive both');
    assert.deepEqual(created(b.events).map((m) => m.body), ['hello bob', 'second']);
    assert.equal(created(b.events)[0]!.id, sent[0]!.id);
    assert.deepEqual(b.events.map((e) => e.seq), [head + 1, head + 2]);
    await until(() => created(a.events).length === 2, 'alice to see her own messages');
    assert.deepEqual(b.states, ['connecting', 'online']);

    const history = await bob.api.channels.history(channelId);
    assert.deepEqual(history.messages.map((m) => m.body), ['second', 'hello bob'], 'stored once each');
    alice.realtime.stop();
    bob.realtime.stop();
  });

  it('a client that was away catches up on resume: every missed event, once, in order', async () => {
    const { alice, bob, channelId } = await twoMembers(server.url);
    const head = await followFromHead(bob, channelId);
    const b = record(bob);
    for (let i = 0; i < 5; i++) await alice.api.channels.send(channelId, { body: `missed ${i}` });
    bob.realtime.start();
    await until(() => b.events.length === 5, 'the replay');
    await alice.api.channels.send(channelId, { body: 'live' });
    await until(() => b.events.length === 6, 'the live event');
    assert.deepEqual(b.events.map((e) => e.seq), [1, 2, 3, 4, 5, 6].map((i) => head + i));
    assert.deepEqual(created(b.events).map((m) => m.body), ['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4', 'live']);
    bob.realtime.stop();
  });
});
