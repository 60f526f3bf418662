import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCodes } from '@relaydesk/protocol';
import { Cluster } from '../testing/cluster.js';
import { asServer, personAt, socketOn, waitUntil } from '../testing/clusterClients.js';
import { clientAt } from '../testing/durabilityChecker.js';
import { TestClient, registerNewUser } from '../testing/httpClient.js';
import { signUp, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, ticketFor } from '../realtime/testSocket.js';

/**
 * Caps, limits, tickets and revocation hold for the deployment, not per node (PRODUCT.md,
 * "Scale-out": connection caps and rate-limit counters go through Redis; a ticket issued by one
 * node is consumed once on any node). Every request here goes straight to a chosen node's own
 * URL, so that "across nodes" is certain rather than left to the balancer's rotation.
 */
const NODES = 3;
const CAP = 3;
const API_PER_MIN = 30;

describe('scale-out: caps, rate limits, tickets and logout across 3 nodes', () => {
  let cluster: Cluster;
  const opened: TestSocket[] = [];
  const track = (s: TestSocket) => (opened.push(s), s);

  before(async () => {
    cluster = await Cluster.start({
      nodes: NODES,
      balancer: 'nginx',
      env: { WS_MAX_CONNECTIONS_PER_USER: String(CAP), RATE_LIMIT_API_PER_MIN: String(API_PER_MIN) },
    });
  });
  after(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    await cluster?.close();
  });

  /** Opens a socket on node i and expects the upgrade to complete and then close with `code`, before any `ready`. */
  async function refused(i: number, person: Person, code: number, ticket?: string): Promise<void> {
    const socket = track(new TestSocket(cluster.node(i).url, ticket ?? (await ticketFor(clientAt(person, cluster.node(i).url)))));
    const closed = await socket.waitForClose(5000).catch((err: Error) => assert.fail(`node-${i} did not close the socket: ${err.message.slice(0, 300)}`));
    assert.equal(closed.code, code, `node-${i}: ${JSON.stringify(closed)}; frames: ${JSON.stringify(socket.frames).slice(0, 300)}`);
    assert.equal(socket.ofType('ready').length, 0, 'refused before ready');
  }

  it(`${CAP} sockets of one user on 3 different nodes are served; a 4th on any node is refused with 4029; closing one frees the slot for every node`, () => cluster.explained(async () => {
    const user = await signUp(asServer(cluster.url));
    const sockets = [];
    for (let i = 0; i < CAP; i++) sockets.push(track(await socketOn(cluster, i % NODES, user)));
    for (const s of sockets) await s.roundTrip();
    for (let i = 0; i < NODES; i++) await refused(i, user, CloseCodes.tooManyConnections);
    // Another user is not affected: the cap is per user.
    const other = await signUp(asServer(cluster.url));
    const otherSocket = track(await socketOn(cluster, 0, other));
    await otherSocket.roundTrip();

    // Closing the one on node 1 frees a slot that node 2 can give out (once the close is counted).
    await sockets[1]!.close();
    const again = await waitUntil('a socket on node-2 once a slot is free', async () => {
      const s = new TestSocket(cluster.node(2).url, await ticketFor(clientAt(user, cluster.node(2).url)));
      track(s);
      const first = await s.waitFor((f) => f.type === 'ready', { timeoutMs: 3000 }).catch(() => undefined);
      return first ? s : undefined;
    }, 5000, 100);
    await again.roundTrip();
    await refused(1, user, CloseCodes.tooManyConnections);
    for (const s of [...sockets, again, otherSocket]) await s.close();
  }));

  it(`the API rate limit (${API_PER_MIN}/min per user) is one budget across nodes: requests alternating between nodes get 429 at the limit in total`, () => cluster.explained(async () => {
    const user = await signUp(asServer(cluster.url));
    const at = (i: number) => personAt(user, cluster.node(i).url).client;
    const first = await at(0).get('/api/v1/auth/me');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('ratelimit-limit'), String(API_PER_MIN));
    const remaining = Number(first.headers.get('ratelimit-remaining'));
    assert.ok(remaining > NODES && remaining < API_PER_MIN, `the window started with this user's first requests: ${remaining} left`);

    const perNode = [1, 0, 0];
    let last = remaining;
    for (let k = 1; k <= remaining; k++) {
      const i = k % NODES;
      const res = await at(i).get('/api/v1/auth/me');
      perNode[i]!++;
      assert.equal(res.status, 200, `request ${k + 1} (node-${i}) is within the budget: ${res.text}`);
      const now = Number(res.headers.get('ratelimit-remaining'));
      assert.equal(now, last - 1, `node-${i} counts the same budget: ${now} left after ${last}`);
      last = now;
    }
    for (let i = 0; i < NODES; i++) {
      const res = await at(i).get('/api/v1/auth/me');
      assert.equal(res.status, 429, `node-${i} refuses once the shared budget is spent (it served only ${perNode[i]} itself): ${res.text}`);
      assert.equal(res.body.error.code, 'RATE_LIMITED');
      assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
    }
    assert.ok(Math.max(...perNode) < API_PER_MIN, `no node alone reached the limit (${perNode.join(', ')}): the count is shared`);
  }));

  it('a WebSocket ticket issued on node 0 works once on node 1; a second use on node 2 is refused with 4001', () => cluster.explained(async () => {
    const user = await signUp(asServer(cluster.url));
    const ticket = await ticketFor(clientAt(user, cluster.node(0).url));
    const socket = track(new TestSocket(cluster.node(1).url, ticket));
    const ready = await socket.next('ready', () => true, { timeoutMs: 5000 });
    assert.equal(ready.userId, user.user.id);
    await refused(2, user, CloseCodes.badTicket, ticket);
    await refused(0, user, CloseCodes.badTicket, ticket);
    await socket.roundTrip();
    assert.ok(socket.isOpen, 'the first socket keeps working');
    await socket.close();
  }));

  it('a logout on node 0 closes that session\'s socket on node 2 with 4004; the same user\'s other session keeps its socket on node 1', () => cluster.explained(async () => {
    // Two sign-in sessions of one user: two browsers.
    const laptop = new TestClient(cluster.url);
    const { input, user } = await registerNewUser(laptop);
    const phone = new TestClient(cluster.url);
    const login = await phone.post('/api/v1/auth/login', { username: input.username, password: input.password });
    assert.equal(login.status, 200, login.text);
    const laptopPerson: Person = { client: laptop, user };
    const phonePerson: Person = { client: phone, user };

    const laptopSocket = track(await socketOn(cluster, 2, laptopPerson));
    const phoneSocket = track(await socketOn(cluster, 1, phonePerson));
    const logout = await clientAt(laptopPerson, cluster.node(0).url).post('/api/v1/auth/logout');
    assert.ok(logout.status === 200 || logout.status === 204, `logout: ${logout.status} ${logout.text}`);

    const closed = await laptopSocket.waitForClose(5000);
    assert.equal(closed.code, CloseCodes.sessionRevoked, JSON.stringify(closed));
    await phoneSocket.roundTrip();
    assert.ok(phoneSocket.isOpen, 'the other session is not affected');
    // And the logged-out session cannot come back on any node.
    const ticket = await clientAt(laptopPerson, cluster.node(1).url).post('/api/v1/auth/ws-ticket');
    assert.equal(ticket.status, 401, ticket.text);
    await phoneSocket.close();
  }));
});
