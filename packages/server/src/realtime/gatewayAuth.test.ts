import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCodes } from '@relaydesk/protocol';
import { ManualClock } from '../clock.js';
import { startTestServer, TEST_ORIGIN, type TestServer } from '../testing/testServer.js';
import { signUp, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, ticketFor } from './testSocket.js';

const FIVE_MINUTES = 5 * 60 * 1000;

describe('WebSocket gateway: authentication and Origin', () => {
  let server: TestServer;
  let alice: Person;
  const clock = new ManualClock();

  before(async () => {
    server = await startTestServer({ clock });
    alice = await signUp(server);
  });
  after(() => server.close());

  /** Opens a socket and expects the server to complete the upgrade, then close with `code` without a `ready`. */
  async function assertRefused(socket: TestSocket, code: number): Promise<void> {
    const { code: got } = await socket.waitForClose(3000);
    assert.equal(got, code, `close code; frames: ${JSON.stringify(socket.frames)}`);
    assert.equal(socket.ofType('ready').length, 0, 'no ready before the refusal');
  }

  it('a valid ticket from the allowed Origin gets ready with the user id and protocol version 1', async () => {
    const socket = new TestSocket(server.url, await ticketFor(alice.client), { origin: TEST_ORIGIN });
    const ready = await socket.next('ready');
    assert.equal(ready.v, 1);
    assert.equal(ready.userId, alice.user.id);
    assert.ok(ready.heartbeatMs > 0);
    assert.deepEqual(socket.malformed, []);
    await socket.close();
  });

  it('a client without an Origin header (server-side SDK) is accepted', async () => {
    const socket = new TestSocket(server.url, await ticketFor(alice.client), { origin: null });
    assert.equal((await socket.next('ready')).userId, alice.user.id);
    await socket.roundTrip();
    assert.ok(socket.isOpen);
    await socket.close();
  });

  it('a replayed ticket is refused with 4001 while the first socket keeps working', async () => {
    const ticket = await ticketFor(alice.client);
    const first = new TestSocket(server.url, ticket);
    await first.next('ready');
    const second = new TestSocket(server.url, ticket);
    await assertRefused(second, CloseCodes.badTicket);
    await first.roundTrip();
    assert.ok(first.isOpen);
    await first.close();
  });

  it('a missing, empty or garbage ticket is refused with 4001', async () => {
    await assertRefused(new TestSocket(server.url, null), CloseCodes.badTicket);
    await assertRefused(new TestSocket(server.url, ''), CloseCodes.badTicket);
    await assertRefused(new TestSocket(server.url, 'not-a-real-ticket'), CloseCodes.badTicket);
    await assertRefused(new TestSocket(server.url, 'x'.repeat(5000)), CloseCodes.badTicket);
  });

  it('a ticket is good until 5 minutes and refused with 4001 after (5 min + 1 s)', async () => {
    const early = await ticketFor(alice.client);
    const late = await ticketFor(alice.client);
    clock.advance(FIVE_MINUTES - 1000);
    const ok = new TestSocket(server.url, early);
    assert.equal((await ok.next('ready')).userId, alice.user.id);
    await ok.close();
    clock.advance(2000);
    await assertRefused(new TestSocket(server.url, late), CloseCodes.badTicket);
  });

  it('a ticket of a logged-out session is refused with 4001', async () => {
    const bob = await signUp(server);
    const ticket = await ticketFor(bob.client);
    assert.equal((await bob.client.post('/api/v1/auth/logout')).status, 204);
    await assertRefused(new TestSocket(server.url, ticket), CloseCodes.badTicket);
  });

  it('a foreign Origin is refused with 4003, even with a valid ticket', async () => {
    await assertRefused(new TestSocket(server.url, await ticketFor(alice.client), { origin: 'http://evil.example' }), CloseCodes.forbiddenOrigin);
    // Near misses of the allowed origin are foreign too.
    await assertRefused(new TestSocket(server.url, await ticketFor(alice.client), { origin: `${TEST_ORIGIN}.evil.example` }), CloseCodes.forbiddenOrigin);
    await assertRefused(new TestSocket(server.url, await ticketFor(alice.client), { origin: 'https://relaydesk.test' }), CloseCodes.forbiddenOrigin);
    await assertRefused(new TestSocket(server.url, await ticketFor(alice.client), { origin: 'null' }), CloseCodes.forbiddenOrigin);
  });

  it('a foreign Origin without any ticket is refused with 4003 (Origin is checked first)', async () => {
    await assertRefused(new TestSocket(server.url, null, { origin: 'http://evil.example' }), CloseCodes.forbiddenOrigin);
  });

  it('a refused socket never receives channel events', async () => {
    const ws = await alice.client.post('/api/v1/workspaces', { name: 'Auth team' });
    const channel = await alice.client.post(`/api/v1/workspaces/${ws.body.id}/channels`, { name: 'auth-general' });
    const socket = new TestSocket(server.url, 'garbage');
    await alice.client.post(`/api/v1/channels/${channel.body.id}/messages`, { body: 'secret' });
    await socket.waitForClose(3000);
    assert.deepEqual(socket.frames, []);
  });

  it('upgrades on another path than /ws are refused', async () => {
    const ws = new TestSocket(server.url.replace(/$/, '/nope'), await ticketFor(alice.client));
    await assert.rejects(ws.opened);
  });
});
