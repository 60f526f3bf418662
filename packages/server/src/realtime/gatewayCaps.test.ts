import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCodes } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { signUp, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor } from './testSocket.js';
import { TestStream } from './testStream.js';

const CAP = 3;

const metric = async (server: TestServer, name: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
};

/** The server has seen a close once its gauge drops: only then is the slot free (the client's close event may come first). */
async function waitForGauge(server: TestServer, name: string, value: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while ((await metric(server, name)) !== value) {
    if (Date.now() > deadline) throw new Error(`${name} stayed at ${await metric(server, name)}, expected ${value}`);
    await sleep(10);
  }
}

/** Expects the upgrade to complete and then close with 4029, before any `ready`. */
async function assertCapped(server: TestServer, person: Person): Promise<void> {
  const socket = new TestSocket(server.url, await ticketFor(person.client));
  const { code } = await socket.waitForClose(3000);
  assert.equal(code, CloseCodes.tooManyConnections);
  assert.equal(socket.ofType('ready').length, 0);
}

async function assertStreamCapped(person: Person): Promise<void> {
  const stream = await TestStream.open(person.client);
  assert.equal(stream.status, 429, stream.body);
  assert.equal(stream.error.code, 'TOO_MANY_CONNECTIONS');
  assert.ok(Number(stream.res.headers['retry-after']) > 0, 'Retry-After');
}

for (const database of DATABASES) {
  describe(`real-time connection caps per user (${database})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({ database, env: { WS_MAX_CONNECTIONS_PER_USER: String(CAP) } });
    });
    after(() => server.close());

    it(`${CAP} connections of one user are served, the next is refused with 4029 (SSE: 429); closing one frees a slot`, async () => {
      const alice = await signUp(server);
      const bob = await signUp(server);
      const sockets = await Promise.all(Array.from({ length: CAP }, () => TestSocket.connect(alice.client)));
      for (const s of sockets) await s.roundTrip();
      await assertCapped(server, alice);
      await assertStreamCapped(alice);
      const other = await TestSocket.connect(bob.client); // the cap is per user
      await other.roundTrip();

      await sockets[0]!.close();
      await waitForGauge(server, 'relaydesk_ws_connections', CAP); // alice's 2 + bob's 1
      sockets[0] = await TestSocket.connect(alice.client);
      await sockets[0].roundTrip();
      await assertCapped(server, alice);

      // A stream takes a slot like a socket does.
      await sockets[0].close();
      await waitForGauge(server, 'relaydesk_ws_connections', CAP);
      const stream = await TestStream.live(alice.client);
      await assertCapped(server, alice);
      await stream.close();
      await waitForGauge(server, 'relaydesk_sse_streams', 0);
      sockets[0] = await TestSocket.connect(alice.client);
      for (const s of [...sockets, other]) await s.close();
    });

    it('clients that vanish during the handshake or mid-stream give their slots back', async () => {
      const carol = await signUp(server);
      // Gone right after the upgrade, while the server is still checking the ticket.
      await Promise.all(
        Array.from({ length: CAP * 5 }, async () => {
          const socket = new TestSocket(server.url, await ticketFor(carol.client));
          await socket.opened;
          socket.ws.terminate();
        }),
      );
      const streams = await Promise.all(Array.from({ length: CAP }, () => TestStream.live(carol.client)));
      await Promise.all(streams.map((s) => s.close()));
      // Slots come back as the server notices each close; a leaked one never would.
      const deadline = Date.now() + 3000;
      const sockets: TestSocket[] = [];
      while (sockets.length < CAP) {
        const socket = new TestSocket(server.url, await ticketFor(carol.client));
        const outcome = await Promise.race([socket.next('ready').then(() => 'ready' as const), socket.closed.then(() => 'closed' as const)]);
        if (outcome === 'ready') sockets.push(socket);
        else assert.ok(Date.now() < deadline, `only ${sockets.length} of ${CAP} slots came back`);
      }
      for (const s of sockets) await s.close();
    });
  });

  describe(`real-time connection caps per IP (${database})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer({ database, env: { WS_MAX_CONNECTIONS_PER_IP: String(CAP) } });
    });
    after(() => server.close());

    it(`${CAP} connections from one address are served, the next (another user) is refused with 4029 (SSE: 429); closing one frees a slot`, async () => {
      const people = await Promise.all(Array.from({ length: CAP + 1 }, () => signUp(server)));
      const sockets = await Promise.all(people.slice(0, CAP).map((p) => TestSocket.connect(p.client)));
      for (const s of sockets) await s.roundTrip();
      const last = people[CAP]!;
      await assertCapped(server, last);
      await assertStreamCapped(last);
      const before = await metric(server, 'relaydesk_ws_refused_total{reason="ip_cap"}');
      assert.ok(before >= 1, 'refusals are counted');

      await sockets[0]!.close();
      await waitForGauge(server, 'relaydesk_ws_connections', CAP - 1);
      const admitted = await TestSocket.connect(last.client);
      await admitted.roundTrip();
      await assertCapped(server, people[0]!);
      for (const s of [...sockets.slice(1), admitted]) await s.close();
    });
  });
}
