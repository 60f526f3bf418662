import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';
import { startServer } from '../server.js';
import { seedDemo } from './demo.js';

for (const database of DATABASES) {
  describe(`demo data (${database})`, () => {
    let server: TestServer;
    const login = async (username: string) => {
      const client = new TestClient(server.url);
      const res = await client.post('/api/v1/auth/login', { username, password: 'demo123' });
      assert.equal(res.status, 200, `${username} logs in with demo123`);
      return client;
    };
    before(async () => {
      server = await startTestServer({ database, env: { SEED_DEMO: 'true' } });
    });
    after(() => server.close());

    it('has the Acme workspace with "Development Team" and history with a thread, reactions and a pin', async () => {
      const alice = await login('alice_dev');
      const { workspaces } = (await alice.get('/api/v1/workspaces')).body;
      const acme = workspaces.find((w: { name: string }) => w.name === 'Acme');
      assert.ok(acme, 'Acme workspace');
      const { channels } = (await alice.get(`/api/v1/workspaces/${acme.id}/channels`)).body;
      const dev = channels.find((c: { name: string }) => c.name === 'Development Team');
      assert.equal(dev.kind, 'public');
      const { messages } = (await alice.get(`/api/v1/channels/${dev.id}/messages`)).body;
      assert.ok(messages.length >= 3);
      const root = messages.find((m: { replyCount: number }) => m.replyCount > 0);
      assert.equal(root.replyCount, 2);
      assert.ok(root.reactions.length >= 2);
      assert.equal(root.pinned, true);
      const events = (await alice.get(`/api/v1/channels/${dev.id}/events?after=0`)).body;
      assert.deepEqual(
        events.events.map((e: { seq: number }) => e.seq),
        Array.from({ length: events.lastSeq }, (_, i) => i + 1),
        'seeded through the actions: every change numbered',
      );
    });

    it('gives bob a DM with alice and keeps the private channel from him', async () => {
      const bob = await login('bob_design');
      const [acme] = (await bob.get('/api/v1/workspaces')).body.workspaces;
      const { channels } = (await bob.get(`/api/v1/workspaces/${acme.id}/channels`)).body;
      assert.ok(channels.some((c: { kind: string }) => c.kind === 'dm'));
      assert.ok(!channels.some((c: { name: string | null }) => c.name === 'Ops On-Call'));
      await login('carol_ops');
    });

    it('seeds only once', async () => {
      assert.equal(await seedDemo(server.ctx), false);
    });
  });
}

describe('demo data across restarts', () => {
  it('a restarted server does not seed twice', async () => {
    const first = await startTestServer({ env: { SEED_DEMO: 'true' } });
    await first.app.close();
    await first.storage.close();
    const second = await startServer(first.config);
    try {
      const client = new TestClient(second.url);
      await client.post('/api/v1/auth/login', { username: 'alice_dev', password: 'demo123' });
      const { workspaces } = (await client.get('/api/v1/workspaces')).body;
      assert.equal(workspaces.length, 1);
    } finally {
      await second.close();
    }
  });
});
