import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionEndedError } from '@relaydesk/client';
import { ManualClock } from '@relaydesk/server/dist/clock.js';
import { startTestServer, type TestServer } from '@relaydesk/server/dist/testing/testServer.js';
import { sdkClient, signUp } from '../support/sdk.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** fetch, counting the refreshes that reach the server. */
function countingFetch() {
  const counts = { refresh: 0, requests: 0 };
  const fetch: typeof globalThis.fetch = (input, init) => {
    counts.requests += 1;
    if (String(input).endsWith('/api/v1/auth/refresh')) counts.refresh += 1;
    return globalThis.fetch(input, init);
  };
  return { fetch, counts };
}

describe('SDK: an expired access token is refreshed transparently (sqlite, manual clock)', () => {
  let server: TestServer;
  const clock = new ManualClock();
  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.close());

  it('10 concurrent requests after expiry cause one refresh, and all succeed', async () => {
    const { fetch, counts } = countingFetch();
    const client = sdkClient(server.url, {}, { fetch });
    const { user } = await signUp(client);
    const workspace = await client.api.workspaces.create('W');
    const before = client.http.bearerTokens!;

    clock.advance(16 * MINUTE);
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => client.api.auth.me()),
      ...Array.from({ length: 5 }, (_, i) => client.api.workspaces.createChannel(workspace.id, { name: `channel ${i}` })),
    ]);
    assert.equal(counts.refresh, 1, 'one POST /api/v1/auth/refresh');
    assert.equal(answers.length, 10);
    for (const a of answers.slice(0, 5)) assert.equal((a as { user: { id: string } }).user.id, user.id);
    assert.equal((await client.api.workspaces.channels(workspace.id)).channels.length, 5, 'every write went through once');
    assert.notEqual(client.http.bearerTokens!.refreshToken, before.refreshToken, 'the refresh token rotated');

    // The session is intact (no reuse was detected): the next expiry refreshes again, once.
    clock.advance(16 * MINUTE);
    await Promise.all([client.api.auth.me(), client.api.workspaces.list()]);
    assert.equal(counts.refresh, 2);
  });

  it('when the refresh token has expired too, the session ends once and every caller gets SessionEndedError', async () => {
    let ended = 0;
    const { fetch, counts } = countingFetch();
    const client = sdkClient(server.url, {}, { fetch, onSessionEnded: () => ended++ });
    await signUp(client);
    clock.advance(31 * DAY);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.api.workspaces.list()));
    for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof SessionEndedError, JSON.stringify(r));
    assert.equal(counts.refresh, 1);
    assert.equal(ended, 1);
    assert.equal(client.http.bearerTokens, null);
  });
});
