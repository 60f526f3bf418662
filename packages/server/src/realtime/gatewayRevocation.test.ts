import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CloseCodes } from '@relaydesk/protocol';
import { DATABASES, startTestServer, type TestServer } from '../testing/testServer.js';
import { TestClient, registerNewUser } from '../testing/httpClient.js';
import { acceptInvite, fullHistory, joinChannel, send, setUpTeam, type Person, type Team } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep } from './testSocket.js';
import { TestStream } from './testStream.js';

/** How long "nothing more happens" is watched for. */
const QUIET_MS = 300;
const NEW_PASSWORD = 'a brand new passphrase';

/** One user signed in twice: the laptop (registered) and the phone (a second login). */
interface TwoDevices {
  laptop: Person;
  phone: Person;
  password: string;
}

/** Each device's live connections: a socket and an SSE stream. */
interface Live {
  socket: TestSocket;
  stream: TestStream;
}

for (const database of DATABASES) {
  describe(`Revoked sessions lose their live connections at once (${database})`, () => {
    let server: TestServer;
    let team: Team;

    before(async () => {
      server = await startTestServer({ database });
      team = await setUpTeam(server, 0);
    });
    after(() => server.close());

    const twoDevices = async (): Promise<TwoDevices> => {
      const client = new TestClient(server.url);
      const { input, user } = await registerNewUser(client);
      const laptop = { client, user };
      await acceptInvite(laptop, team.inviteCode);
      await joinChannel(laptop, team.channelId);
      const phone = { client: new TestClient(server.url), user };
      const login = await phone.client.post('/api/v1/auth/login', { username: input.username, password: input.password });
      assert.equal(login.status, 200, login.text);
      return { laptop, phone, password: input.password };
    };
    const connect = async (person: Person): Promise<Live> => ({ socket: await TestSocket.live(person.client), stream: await TestStream.live(person.client) });
    const sessionIds = async (person: Person): Promise<{ current: string; others: string[] }> => {
      const res = await person.client.get('/api/v1/auth/sessions');
      assert.equal(res.status, 200, res.text);
      const sessions = res.body.sessions as { id: string; current: boolean }[];
      return { current: sessions.find((s) => s.current)!.id, others: sessions.filter((s) => !s.current).map((s) => s.id) };
    };

    /**
     * The socket closes with 4004 after an `error` SESSION_REVOKED; the stream ends the same way
     * (its `: close 4004` comment after the error frame). Then a message posted by someone else
     * reaches the survivors and not them.
     */
    const assertRevoked = async (revoked: Live, owner: Person, survivors: Live[]) => {
      const closed = await revoked.socket.waitForClose(2000);
      assert.equal(closed.code, CloseCodes.sessionRevoked);
      assert.equal(revoked.socket.ofType('error').at(-1)?.code, 'SESSION_REVOKED');
      await revoked.stream.waitForEnd(2000);
      assert.equal(revoked.stream.ofType('error').at(-1)?.code, 'SESSION_REVOKED');
      assert.ok(revoked.stream.comments.includes('close 4004 session revoked'), revoked.stream.comments.join(', '));

      const m = await send(team.owner, team.channelId, `after the revocation ${randomUUID()}`);
      for (const live of survivors) {
        await live.socket.event(team.channelId, m.seq);
        await live.stream.event(team.channelId, m.seq);
        assert.ok(live.socket.isOpen, 'the other session keeps its socket');
      }
      await sleep(QUIET_MS);
      assert.deepEqual(revoked.socket.created(team.channelId, m.id), []);
      assert.deepEqual(revoked.stream.created(team.channelId, m.id), []);
      // Reconnecting needs a new sign-in: the stream's cookie is refused like any REST request.
      const again = await TestStream.open(owner.client);
      assert.equal(again.status, 401, again.body);
    };
    const closeAll = async (...lives: Live[]) => {
      for (const live of lives) {
        await live.socket.close();
        await live.stream.close();
      }
    };

    it('logout closes that session’s socket (4004) and stream; the other device keeps both', async () => {
      const { laptop, phone } = await twoDevices();
      const [onLaptop, onPhone] = [await connect(laptop), await connect(phone)];
      assert.equal((await laptop.client.post('/api/v1/auth/logout')).status, 204);
      await assertRevoked(onLaptop, laptop, [onPhone]);
      await closeAll(onLaptop, onPhone);
    });

    it('DELETE /auth/sessions/{id} from another device closes that session’s socket and stream', async () => {
      const { laptop, phone } = await twoDevices();
      const [onLaptop, onPhone] = [await connect(laptop), await connect(phone)];
      const { others } = await sessionIds(phone);
      assert.equal(others.length, 1);
      assert.equal((await phone.client.delete(`/api/v1/auth/sessions/${others[0]}`)).status, 204);
      await assertRevoked(onLaptop, laptop, [onPhone]);
      await closeAll(onLaptop, onPhone);
    });

    it('a password change closes every other session’s connections and keeps its own', async () => {
      const { laptop, phone, password } = await twoDevices();
      const [onLaptop, onPhone] = [await connect(laptop), await connect(phone)];
      const res = await phone.client.post('/api/v1/auth/password', { currentPassword: password, newPassword: NEW_PASSWORD });
      assert.equal(res.status, 204, res.text);
      await assertRevoked(onLaptop, laptop, [onPhone]);
      await closeAll(onLaptop, onPhone);
    });

    it('refresh-token reuse revokes the family and closes its connections; the other device is untouched', async () => {
      const { laptop, phone } = await twoDevices();
      const [onLaptop, onPhone] = [await connect(laptop), await connect(phone)];
      const stolen = laptop.client.cookie('refresh_token');
      assert.equal((await laptop.client.post('/api/v1/auth/refresh')).status, 200, 'the owner rotates the token');
      const thief = await new TestClient(server.url).post('/api/v1/auth/refresh', { refreshToken: stolen }, { browser: false });
      assert.equal(thief.body.error.code, 'REFRESH_TOKEN_REUSED', thief.text);
      await assertRevoked(onLaptop, laptop, [onPhone]);
      await closeAll(onLaptop, onPhone);
    });

    it('a frame the client sends after the revocation, before it has read the close, is neither acted on nor acked', async () => {
      const { laptop, phone } = await twoDevices();
      const socket = await TestSocket.live(laptop.client);
      // The client stops reading: it cannot see the server's close, so its socket stays open on its side.
      socket.tcp.pause();
      const { others } = await sessionIds(phone);
      assert.equal((await phone.client.delete(`/api/v1/auth/sessions/${others[0]}`)).status, 204);
      const body = `sent after the revocation ${randomUUID()}`;
      socket.send({ type: 'send', ref: 'late-send', channelId: team.channelId, body, clientMessageId: randomUUID() });
      socket.send({ type: 'typing', channelId: team.channelId });
      // Long enough for the server to have stored and acked it, had it acted on it.
      await sleep(QUIET_MS);
      socket.tcp.resume();
      assert.equal((await socket.waitForClose(2000)).code, CloseCodes.sessionRevoked);
      assert.deepEqual(socket.frames.filter((f) => (f.type === 'ack' || f.type === 'error') && f.ref === 'late-send'), []);
      const stored = await fullHistory(phone, team.channelId);
      assert.deepEqual(stored.filter((m) => m.body === body), [], 'nothing was stored');
    });

    it('a ticket of a session revoked after it was issued is refused (4001), and the access token fails on REST', async () => {
      const { laptop, phone } = await twoDevices();
      const ticket = (await laptop.client.post('/api/v1/auth/ws-ticket')).body.ticket as string;
      const { others } = await sessionIds(phone);
      assert.equal((await phone.client.delete(`/api/v1/auth/sessions/${others[0]}`)).status, 204);
      const socket = new TestSocket(server.url, ticket);
      assert.equal((await socket.waitForClose()).code, CloseCodes.badTicket);
      const me = await laptop.client.get('/api/v1/auth/me');
      assert.equal(me.status, 401);
      assert.equal(me.body.error.code, 'SESSION_REVOKED');
    });
  });
}
