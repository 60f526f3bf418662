import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, type RunningServer } from '@relaydesk/server/dist/server.js';
import { DATABASES, startTestServer } from '@relaydesk/server/dist/testing/testServer.js';
import { createTestDatabase } from '@relaydesk/server/dist/testing/postgres.js';
import { freePort } from '@relaydesk/server/dist/testing/freePort.js';
import { followFromHead, record, twoMembers, until } from '../support/sdk.js';

const BEFORE = 3;
const WHILE_DOWN = 5;

for (const database of DATABASES) {
  describe(`SDK: the outbox and the real-time connection across a server restart (${database})`, () => {
    it('messages queued while the server is down are delivered once each after it is back; the receiver gets all, in order', async (t) => {
      // The same port and data (directory or database) after the restart, as a real deployment has.
      const port = await freePort();
      const pg = database === 'postgres' ? await createTestDatabase() : undefined;
      const server = await startTestServer({ env: { PORT: String(port) }, ...(pg ? { databaseUrl: pg.url } : {}) });
      let running: RunningServer | undefined = server;
      t.after(async () => {
        await running?.close();
        await pg?.drop();
        fs.rmSync(server.dataDir, { recursive: true, force: true });
      });

      // Quick retries, and no HTTP fallback: this test is about the WebSocket path.
      const { alice, bob, channelId } = await twoMembers(server.url, { backoff: { baseMs: 20, capMs: 200 }, fallbackAfterFailures: 10_000 });
      t.after(() => {
        alice.realtime.stop();
        bob.realtime.stop();
      });
      const head = await followFromHead(bob, channelId);
      await followFromHead(alice, channelId);
      const a = record(alice);
      const b = record(bob);
      alice.realtime.start();
      bob.realtime.start();
      await until(() => alice.realtime.state === 'online' && bob.realtime.state === 'online', 'both online');

      for (let i = 0; i < BEFORE; i++) await alice.outbox.enqueue({ channelId, body: `before ${i}` });
      await until(() => b.events.length === BEFORE && alice.outbox.list().length === 0, 'the messages sent before the restart');

      // One more is on its way as the server stops: committed or not, acknowledged or not, it must
      // end up stored once (a lost ack is retried with the same clientMessageId).
      await alice.outbox.enqueue({ channelId, body: 'at the stop' });
      await server.app.close(); // the gateway tells every socket 1012
      await server.storage.close();
      running = undefined;
      await until(() => alice.realtime.state === 'reconnecting' && bob.realtime.state === 'reconnecting', 'both reconnecting');

      for (let i = 0; i < WHILE_DOWN; i++) await alice.outbox.enqueue({ channelId, body: `queued ${i}` });
      await alice.outbox.flush();
      const queued = alice.outbox.list().filter((item) => item.body.startsWith('queued'));
      assert.deepEqual(queued.map((item) => item.status), Array(WHILE_DOWN).fill('pending'), 'kept while the server is away');
      assert.ok(alice.outbox.list().every((item) => item.status === 'pending'), 'nothing failed');
      const queuedIds = queued.map((item) => item.clientMessageId);

      running = await startServer(server.config);
      assert.equal(running.url, server.url, 'the same port');
      const total = BEFORE + 1 + WHILE_DOWN;
      await until(() => b.events.length >= total && alice.outbox.list().length === 0, 'every queued message delivered and received');

      const expectedBodies = [
        ...Array.from({ length: BEFORE }, (_, i) => `before ${i}`),
        'at the stop',
        ...Array.from({ length: WHILE_DOWN }, (_, i) => `queued ${i}`),
      ];
      // The receiver: every message once, in seq order, no gap.
      await alice.api.channels.send(channelId, { body: 'marker' }); // anything duplicated would arrive before it
      await until(() => b.events.length >= total + 1, 'the marker');
      assert.deepEqual(b.events.map((e) => e.seq), Array.from({ length: total + 1 }, (_, i) => head + 1 + i));
      const received = b.events.flatMap((e) => (e.event.type === 'message.created' ? [e.event.message] : []));
      assert.deepEqual(received.map((m) => m.body), [...expectedBodies, 'marker']);
      assert.deepEqual(received.slice(BEFORE + 1, total).map((m) => m.clientMessageId), queuedIds, 'sent with the ids chosen while offline');

      // Stored exactly once each.
      const history = await bob.api.channels.history(channelId, { limit: 100 });
      assert.deepEqual(history.messages.map((m) => m.body).reverse(), [...expectedBodies, 'marker']);

      // Both connections went reconnecting → online, never offline or fallback.
      assert.deepEqual(b.states, ['connecting', 'online', 'reconnecting', 'online']);
      assert.deepEqual(a.states, ['connecting', 'online', 'reconnecting', 'online']);
    });
  });
}
