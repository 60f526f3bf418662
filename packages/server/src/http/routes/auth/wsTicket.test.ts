import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../clock.js';
import { redeemWsTicket } from '../../../actions/wsTickets.js';
import { hashToken } from '../../../auth/secrets.js';
import { startTestServer, type TestServer } from '../../../testing/testServer.js';
import { TestClient, registerNewUser } from '../../../testing/httpClient.js';

const TICKET = '/api/v1/auth/ws-ticket';
const FIVE_MINUTES = 5 * 60 * 1000;

describe('WebSocket tickets', () => {
  let server: TestServer;
  const clock = new ManualClock();

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(() => server.close());

  async function signedIn() {
    const client = new TestClient(server.url);
    const { user, input } = await registerNewUser(client);
    const sessionId: string = (await client.get('/api/v1/auth/sessions')).body.sessions[0].id;
    return { client, user, input, sessionId };
  }

  const issue = async (client: TestClient): Promise<string> => {
    const res = await client.post(TICKET);
    assert.equal(res.status, 200, res.text);
    return res.body.ticket;
  };

  it('POST /ws-ticket answers { ticket, expiresAt } expiring 5 minutes from now', async () => {
    const { client } = await signedIn();
    const res = await client.post(TICKET);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['expiresAt', 'ticket']);
    assert.match(res.body.ticket, /^[A-Za-z0-9_-]{43}$/, '256 random bits, URL-safe');
    assert.equal(Date.parse(res.body.expiresAt), clock.now() + FIVE_MINUTES);
  });

  it('needs authentication', async () => {
    const res = await new TestClient(server.url).post(TICKET);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'UNAUTHENTICATED');
  });

  it('issues a different ticket every time', async () => {
    const { client } = await signedIn();
    assert.notEqual(await issue(client), await issue(client));
  });

  it('redeems once, for the right user and session; a second redemption gets nothing', async () => {
    const { client, user, sessionId } = await signedIn();
    const ticket = await issue(client);
    assert.deepEqual(await redeemWsTicket(server.ctx, ticket), { userId: user.id, sessionId });
    assert.equal(await redeemWsTicket(server.ctx, ticket), undefined);
  });

  it('of two concurrent redemptions exactly one succeeds', async () => {
    const { client } = await signedIn();
    const ticket = await issue(client);
    const results = await Promise.all([redeemWsTicket(server.ctx, ticket), redeemWsTicket(server.ctx, ticket)]);
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('an unknown ticket redeems to nothing', async () => {
    assert.equal(await redeemWsTicket(server.ctx, 'no-such-ticket'), undefined);
  });

  it('expires after 5 minutes', async () => {
    const { client, user } = await signedIn();
    const early = await issue(client);
    const late = await issue(client);
    clock.advance(FIVE_MINUTES - 1000);
    assert.equal((await redeemWsTicket(server.ctx, early))?.userId, user.id);
    clock.advance(2000);
    assert.equal(await redeemWsTicket(server.ctx, late), undefined);
  });

  it('dies with its session: after logout the unused ticket redeems to nothing', async () => {
    const { client } = await signedIn();
    const ticket = await issue(client);
    assert.equal((await client.post('/api/v1/auth/logout')).status, 204);
    assert.equal(await redeemWsTicket(server.ctx, ticket), undefined);
  });

  it('dies when its session is revoked from another device', async () => {
    const { client, input, sessionId } = await signedIn();
    const ticket = await issue(client);
    const other = new TestClient(server.url);
    await other.post('/api/v1/auth/login', { username: input.username, password: input.password });
    assert.equal((await other.delete(`/api/v1/auth/sessions/${sessionId}`)).status, 204);
    assert.equal(await redeemWsTicket(server.ctx, ticket), undefined);
  });

  it('is stored hashed: the raw ticket is not a key in the ticket store, its SHA-256 is', async () => {
    const { client, user } = await signedIn();
    const ticket = await issue(client);
    assert.equal(await server.storage.wsTickets.consume(ticket, clock.now()), undefined);
    assert.equal((await server.storage.wsTickets.consume(hashToken(ticket), clock.now()))?.userId, user.id);
  });
});
