import assert from 'node:assert/strict';
import type { Message, StoredChannelEvent } from '@relaydesk/protocol';
import { TestClient } from './httpClient.js';
import { allEvents, fullHistory, send, type Person } from '../http/routes/messages/fixtures.js';
import { TestSocket, sleep, ticketFor, type EventFrame } from '../realtime/testSocket.js';

/**
 * Test helper (not shipped behaviour): chat clients that keep sending through faults, and the
 * checker of what must hold afterwards, whatever the fault was (kill -9, a database restart, a
 * full disk, a clock step):
 *
 * 1. acked exactly once: every acknowledged message is in the history once, with the id and seq
 *    of its ack, and nothing else is (every client retried until acknowledged);
 * 2. gap-free: the channel's change feed numbers its changes 1, 2, 3 ... with no gap or repeat;
 * 3. each client's live stream equals the history: every event, once, in seq order, the same
 *    event the feed stores, across all the sockets the client had to open.
 */

/** Where the server is now; undefined while it restarts. */
export interface Deployment {
  url: string | undefined;
}

/** Errors a client waits out and retries (the server says so); any other error fails the run. */
const RETRIED = new Set(['RATE_LIMITED', 'STORAGE_UNAVAILABLE', 'STORAGE_FULL', 'SHUTTING_DOWN']);
/** How long a client gives the server to come back, across all its reconnects. */
const PATIENCE_MS = 30_000;

/** `person`'s cookies, against wherever the server is now. */
export function clientAt(person: Person, url: string): TestClient {
  const client = new TestClient(url);
  for (const [k, v] of person.client.jar) client.jar.set(k, v);
  return client;
}

/**
 * A chat client as an app would write one: sends one message at a time with its own
 * clientMessageId, and on any disconnect reconnects (new ticket, possibly a new server),
 * resumes from the last seq it saw, and retries the unacknowledged send with the same id. An
 * error answer (storage unavailable, rate limited) is waited out and the send retried.
 */
export class ChatClient {
  /** Every socket it opened, in order; only the last one can be open. */
  readonly sockets: TestSocket[] = [];
  readonly acked = new Map<string, Message>();
  /** The code of every error answer to a send, in order. */
  readonly errors: string[] = [];
  /** Sends that had to be retried because the socket closed before their answer. */
  retriedAfterDisconnect = 0;

  constructor(
    readonly name: string,
    readonly person: Person,
    readonly channelId: string,
    readonly startSeq: number,
    readonly options: { sends: number; pipelined?: boolean; pauseMs?: number },
  ) {}

  /** Every event of the channel received, across all its connections, in arrival order. */
  events(): EventFrame[] {
    return this.sockets.flatMap((s) => s.events(this.channelId));
  }

  get lastSeq(): number {
    return this.events().at(-1)?.seq ?? this.startSeq;
  }

  get socket(): TestSocket | undefined {
    return this.sockets.at(-1);
  }

  async connect(deployment: Deployment): Promise<void> {
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${this.name}: cannot reconnect`);
      const url = deployment.url;
      if (url === undefined) {
        await sleep(20);
        continue;
      }
      let socket: TestSocket | undefined;
      try {
        const resumeFrom = this.lastSeq;
        socket = new TestSocket(url, await ticketFor(clientAt(this.person, url)));
        this.sockets.push(socket);
        await socket.next('ready', () => true, { timeoutMs: 3000 });
        const from = socket.frames.length;
        socket.send({ type: 'resume', channels: { [this.channelId]: resumeFrom } });
        if (this.options.pipelined) return;
        const answer = await socket.waitFor((f) => (f.type === 'resumed' || f.type === 'reset' || f.type === 'error') && (f.type === 'error' || f.channelId === this.channelId), { from, timeoutMs: 3000 });
        if (answer.type === 'reset') throw new Error(`${this.name}: unexpected reset ${JSON.stringify(answer)}`);
        if (answer.type === 'error') throw new Error(`resume refused: ${answer.code}`);
        return;
      } catch (err) {
        if (err instanceof Error && err.message.includes('unexpected reset')) throw err;
        socket?.ws.terminate();
        await sleep(50);
      }
    }
  }

  async run(deployment: Deployment): Promise<void> {
    await this.connect(deployment);
    for (let i = 0; i < this.options.sends; i++) {
      const clientMessageId = `${this.name}-msg-${i}`;
      const deadline = Date.now() + PATIENCE_MS;
      for (let attempt = 0; ; attempt++) {
        if (Date.now() > deadline) throw new Error(`${this.name}: ${clientMessageId} never acknowledged; errors: ${this.errors.slice(-5).join(', ')}`);
        if (!this.socket?.isOpen) await this.connect(deployment);
        const ref = `${clientMessageId}-${attempt}`;
        const answer = await this.socket!.request({ type: 'send', ref, channelId: this.channelId, body: `${this.name} #${i}`, clientMessageId }, 5000).catch(() => undefined);
        if (!answer) {
          // The socket closed (or the answer was lost): reconnect, retry with the same id.
          this.retriedAfterDisconnect++;
          this.socket?.ws.terminate();
          continue;
        }
        if (answer.type === 'ack') {
          this.acked.set(clientMessageId, answer.message!);
          break;
        }
        this.errors.push(answer.code);
        if (!RETRIED.has(answer.code)) throw new Error(`${this.name}: ${clientMessageId} refused: ${answer.code} ${answer.message}`);
        // A test cannot wait out a real Retry-After; the order of magnitude is kept for rate limits.
        await sleep(Math.min(answer.retryAfterMs ?? 50, answer.code === 'RATE_LIMITED' ? 1000 : 100));
      }
      if (this.options.pauseMs) await sleep(this.options.pauseMs);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) await s.close();
  }
}

/**
 * The same over REST: posts `sends` messages one at a time, each with its clientMessageId, and
 * retries one that got no answer or a 503 / 429 until it is created (201) or found (200).
 */
export class RestSender {
  readonly acked = new Map<string, Message>();
  /** Every status answered, in order (0: no answer). */
  readonly statuses: number[] = [];
  /** Answers waited out and retried with the same clientMessageId (0: no answer). */
  protected readonly retried: readonly number[] = [0, 429, 503];

  constructor(
    readonly name: string,
    readonly person: Person,
    readonly channelId: string,
    readonly sends: number,
  ) {}

  async run(deployment: Deployment): Promise<void> {
    for (let i = 0; i < this.sends; i++) {
      const clientMessageId = `${this.name}-rest-${i}`;
      const deadline = Date.now() + PATIENCE_MS;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`${this.name}: ${clientMessageId} never acknowledged; statuses: ${this.statuses.slice(-5).join(', ')}`);
        const url = deployment.url;
        if (url === undefined) {
          await sleep(20);
          continue;
        }
        const res = await clientAt(this.person, url)
          .post<Message>(`/api/v1/channels/${this.channelId}/messages`, { body: `${this.name} rest #${i}`, clientMessageId })
          .catch(() => ({ status: 0, body: undefined, text: '' }));
        this.statuses.push(res.status);
        if (res.status === 200 || res.status === 201) {
          this.acked.set(clientMessageId, res.body!);
          break;
        }
        if (!this.retried.includes(res.status)) throw new Error(`${this.name}: ${clientMessageId} refused: ${res.status} ${res.text}`);
        await sleep(50);
      }
    }
  }
}

/** Starts one client per person in the channel, each sending `sends` messages. */
export function chatClients(people: Person[], channelId: string, startSeq: number, options: ChatClient['options']): ChatClient[] {
  return people.map((p, i) => new ChatClient(`c${i}`, p, channelId, startSeq, options));
}

/** Resolves once the clients together have `count` acknowledged messages. */
export async function untilAcked(clients: ChatClient[], count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (clients.reduce((n, c) => n + c.acked.size, 0) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} messages acknowledged in ${timeoutMs} ms`);
    await sleep(5);
  }
}

/**
 * Checks the three promises (see the top of this file) once every client has finished. `reader`
 * is a member of the channel. It first posts one more message: a client learns of a change from
 * the live event or, failing that (a commit whose answer was lost with the database connection
 * publishes nothing), from the next event after it, which fills the gap from storage.
 */
export async function checkDurability(options: {
  url: string;
  reader: Person;
  channelId: string;
  startSeq: number;
  clients: ChatClient[];
  restSenders?: RestSender[];
  /** Other messages the test had acknowledged in the channel. */
  alsoAcked?: Message[];
}): Promise<{ head: number; events: StoredChannelEvent[] }> {
  const { channelId, startSeq, clients } = options;
  const restSenders = options.restSenders ?? [];
  const reader: Person = { client: clientAt(options.reader, options.url), user: options.reader.user };
  const marker = await send(reader, channelId, 'durability check');
  const acked = [...[...clients, ...restSenders].flatMap((c) => [...c.acked.values()]), ...(options.alsoAcked ?? []), marker];
  const expected = clients.reduce((n, c) => n + c.options.sends, 0) + restSenders.reduce((n, r) => n + r.sends, 0) + (options.alsoAcked?.length ?? 0) + 1;
  assert.equal(new Set(acked.map((m) => m.id)).size, expected, 'every send was acknowledged, each as a message of its own');

  // 1. Acked exactly once.
  const history = await fullHistory(reader, channelId);
  const stored = history.filter((m) => m.seq > startSeq);
  assert.equal(new Set(stored.map((m) => m.id)).size, stored.length, 'no message stored twice');
  assert.equal(stored.length, expected, `${stored.length} messages stored, ${expected} acknowledged: none lost, none duplicated`);
  const byId = new Map(stored.map((m) => [m.id, m]));
  for (const m of acked) {
    const found = byId.get(m.id);
    assert.ok(found, `acknowledged message ${m.id} (${m.clientMessageId}) is stored`);
    assert.equal(found.seq, m.seq, 'stored with the seq of its ack');
    assert.equal(found.body, m.body);
  }
  for (const c of [...clients, ...restSenders]) {
    for (const [clientMessageId, m] of c.acked) assert.equal(m.clientMessageId, clientMessageId, `${c.name}: the ack is for the message sent`);
  }

  // 2. Gap-free sequence.
  const events = await allEvents(reader, channelId, startSeq);
  const head = events.at(-1)?.seq ?? startSeq;
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: head - startSeq }, (_, i) => startSeq + 1 + i), 'the change feed is gap-free, each seq once');
  const created = events.flatMap((e) => (e.event.type === 'message.created' ? [e.event.message.id] : []));
  assert.deepEqual(new Set(created), new Set(acked.map((m) => m.id)), 'one message.created per acknowledged message');
  assert.equal(created.length, expected);

  // 3. Each client's live stream equals the history.
  for (const c of clients) {
    const socket = c.socket!;
    await socket.event(channelId, head, 10_000);
    await socket.roundTrip();
    assert.deepEqual(c.sockets.flatMap((s) => s.ofType('reset')), [], `${c.name} was never reset`);
    const live = c.events();
    assert.deepEqual(live.map((e) => e.seq), events.map((e) => e.seq), `${c.name}: every change once, in seq order`);
    for (const [i, e] of live.entries()) assert.deepEqual(e.event, events[i]!.event, `${c.name}: the live event at seq ${e.seq} is the stored one`);
  }
  return { head, events };
}
