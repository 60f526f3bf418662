import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Message } from '@relaydesk/protocol';
import { startServer, type RunningServer } from '../server.js';
import { startTestServer } from '../testing/testServer.js';
import { TestClient } from '../testing/httpClient.js';
import { fullHistory, eventPage, setUpTeam, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor, type EventFrame } from './testSocket.js';

const CLIENTS = 3;
const SENDS = 30;

/** Where the server is now; undefined while it restarts. */
interface Deployment {
  url: string | undefined;
}

/**
 * A chat client as an app would write one: sends one message at a time with its own
 * clientMessageId, and on any disconnect reconnects (new ticket, possibly a new server),
 * resumes from the last seq it saw, and retries the unacknowledged send with the same id.
 */
class ChatClient {
  /** Every socket it opened, in order; only the last one can be open. */
  readonly sockets: TestSocket[] = [];
  readonly acked = new Map<string, Message>();
  readonly errors: string[] = [];

  constructor(
    readonly name: string,
    readonly person: Person,
    readonly channelId: string,
    readonly startSeq: number,
    /** Retry the unacknowledged send right after `resume`, without waiting for `resumed`. */
    readonly pipelined: boolean,
  ) {}

  /** Sends that had to be retried because the socket closed before their answer. */
  retriedAfterDisconnect = 0;

  /** Every event of the channel received, across all its connections, in arrival order. */
  events(): EventFrame[] {
    return this.sockets.flatMap((s) => s.events(this.channelId));
  }

  get lastSeq(): number {
    return this.events().at(-1)?.seq ?? this.startSeq;
  }

  private get socket(): TestSocket | undefined {
    return this.sockets.at(-1);
  }

  async connect(deployment: Deployment): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const url = deployment.url;
      if (attempt > 400) throw new Error(`${this.name}: cannot reconnect`);
      if (url === undefined) {
        await sleep(20);
        continue;
      }
      // The same cookies (same database and JWT secret) work on the restarted server.
      const client = new TestClient(url);
      for (const [k, v] of this.person.client.jar) client.jar.set(k, v);
      let socket: TestSocket | undefined;
      try {
        const resumeFrom = this.lastSeq;
        socket = new TestSocket(url, await ticketFor(client));
        this.sockets.push(socket);
        await socket.next('ready', () => true, { timeoutMs: 3000 });
        const from = socket.frames.length;
        socket.send({ type: 'resume', channels: { [this.channelId]: resumeFrom } });
        if (this.pipelined) return;
        const answer = await socket.waitFor((f) => (f.type === 'resumed' || f.type === 'reset') && f.channelId === this.channelId, { from, timeoutMs: 3000 });
        if (answer.type === 'reset') throw new Error(`${this.name}: unexpected reset ${JSON.stringify(answer)}`);
        return;
      } catch (err) {
        if (err instanceof Error && err.message.includes('unexpected reset')) throw err;
        socket?.ws.terminate();
        await sleep(20);
      }
    }
  }

  async run(deployment: Deployment): Promise<void> {
    await this.connect(deployment);
    for (let i = 0; i < SENDS; i++) {
      const clientMessageId = `${this.name}-msg-${i}`;
      for (let attempt = 0; ; attempt++) {
        if (attempt > 200) throw new Error(`${this.name}: ${clientMessageId} never acknowledged`);
        if (!this.socket?.isOpen) await this.connect(deployment);
        const ref = `${clientMessageId}-${attempt}`;
        const answer = await this.socket!.request({ type: 'send', ref, channelId: this.channelId, body: `${this.name} #${i}`, clientMessageId }, 3000).catch(() => undefined);
        if (!answer) {
          // The socket closed (or the answer was lost): reconnect, retry with the same id.
          this.retriedAfterDisconnect++;
          continue;
        }
        if (answer.type === 'ack') {
          this.acked.set(clientMessageId, answer.message!);
          break;
        }
        this.errors.push(`${answer.code}: ${answer.message}`);
        await sleep(answer.code === 'RATE_LIMITED' ? (answer.retryAfterMs ?? 100) : 20);
      }
    }
  }
}

describe('WebSocket gateway: a server restart in the middle of a conversation (sqlite)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  async function scenario(pipelined: boolean): Promise<void> {
    const server = await startTestServer();
    const servers: { restarted?: RunningServer } = {};
    cleanups.push(async () => {
      if (servers.restarted) await servers.restarted.close();
      else await server.close();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    });
    const team = await setUpTeam(server, CLIENTS - 1);
    const people = [team.owner, ...team.members];
    const startSeq = (await eventPage(team.owner, team.channelId, 0, 1)).lastSeq;
    const clients = people.map((p, i) => new ChatClient(`c${i}`, p, team.channelId, startSeq, pipelined));
    const deployment: Deployment = { url: server.url };

    const running = Promise.all(clients.map((c) => c.run(deployment)));
    const acked = () => clients.reduce((n, c) => n + c.acked.size, 0);
    while (acked() < (CLIENTS * SENDS) / 2) await sleep(2);

    // Restart: the sockets open at this moment must be told 1012.
    const openAtShutdown = clients.map((c) => c.sockets.at(-1)!).filter((s) => s.isOpen);
    deployment.url = undefined;
    await server.app.close();
    await server.storage.close();
    const restarted = (servers.restarted = await startServer(server.config));
    deployment.url = restarted.url;
    await running;

    assert.ok(openAtShutdown.length > 0);
    for (const s of openAtShutdown) assert.equal(s.closeInfo?.code, 1012, `close code of a socket open at shutdown: ${JSON.stringify(s.closeInfo)}`);

    // Durable: the history has exactly the acknowledged messages, once each.
    const reader = new TestClient(restarted.url);
    for (const [k, v] of team.owner.client.jar) reader.jar.set(k, v);
    const owner = { client: reader, user: team.owner.user };
    const history = await fullHistory(owner, team.channelId);
    assert.equal(history.length, CLIENTS * SENDS, 'no message lost, none duplicated by the retries');
    const allAcked = clients.flatMap((c) => [...c.acked.values()]);
    assert.equal(allAcked.length, CLIENTS * SENDS);
    assert.deepEqual(new Set(history.map((m) => m.id)), new Set(allAcked.map((m) => m.id)));
    assert.deepEqual(new Set(history.map((m) => m.clientMessageId)), new Set(clients.flatMap((c) => [...c.acked.keys()])));

    // Every client sees every change exactly once, in seq order, from where it started to the head.
    const head = (await eventPage(owner, team.channelId, 0, 1)).lastSeq;
    assert.equal(head, startSeq + CLIENTS * SENDS, 'one numbered change per message');
    for (const c of clients) {
      await c.sockets.at(-1)!.event(team.channelId, head);
      await sleep(100);
      assert.deepEqual(c.sockets.flatMap((s) => s.ofType('reset')), []);
      const seqs = c.events().map((e) => e.seq);
      assert.deepEqual(seqs, Array.from({ length: head - startSeq }, (_, i) => startSeq + 1 + i), `${c.name}: gap-free, no duplicate, in order`);
      const created = c.events().flatMap((e) => (e.event.type === 'message.created' ? [e.event.message.id] : []));
      assert.deepEqual(new Set(created), new Set(allAcked.map((m) => m.id)), `${c.name} saw every acknowledged message`);
      assert.equal(created.length, CLIENTS * SENDS);
      for (const m of allAcked) assert.equal(c.events().find((e) => e.event.type === 'message.created' && e.event.message.id === m.id)?.seq, m.seq);
      assert.ok(c.sockets.length >= 2, `${c.name} reconnected`);
    }
    for (const c of clients) await c.sockets.at(-1)!.close();
  }

  it('3 clients x 30 sends across a restart (resume, wait for resumed, retry): every ack durable, each change seen once, in order', () => scenario(false));

  it('the same with clients that retry right after resume, without waiting for resumed', () => scenario(true));
});
