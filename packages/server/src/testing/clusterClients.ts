import type { Cluster } from './cluster.js';
import type { TestServer } from './testServer.js';
import http from 'node:http';
import { ChatClient, RestSender, clientAt, type Deployment } from './durabilityChecker.js';
import { TestSocket, sleep } from '../realtime/testSocket.js';
import type { FrameRecorder } from '../realtime/testFrames.js';
import type { Person } from '../http/routes/messages/fixtures.js';

/** Test helper (not shipped behaviour): people and sockets of a scaled-out deployment. */

/** What the REST fixtures (http/routes/messages/fixtures.ts) need of a server: its URL. */
export function asServer(url: string): TestServer {
  return { url } as TestServer;
}

/** `person`, signed in with the same cookies, against another URL (a node's own, or the balancer). */
export function personAt(person: Person, url: string): Person {
  return { client: clientAt(person, url), user: person.user };
}

/** A socket of `person` opened straight on node i (ticket from that node too), live (`resume {}` or the channels given). */
export async function socketOn(cluster: Cluster, i: number, person: Person, channels: Record<string, number> = {}): Promise<TestSocket> {
  return TestSocket.live(clientAt(person, cluster.node(i).url), channels);
}

/** A socket of `person` through the balancer (ticket through it as well: possibly from another node). */
export async function socketThroughBalancer(cluster: Cluster, person: Person, channels: Record<string, number> = {}): Promise<TestSocket> {
  return TestSocket.live(clientAt(person, cluster.url), channels);
}

/** Watches for `ms` that nothing more matching arrives; returns what did arrive in that time. */
export async function quietFor(recorder: FrameRecorder, ms: number, match: Parameters<FrameRecorder['waitFor']>[0]): Promise<unknown[]> {
  const from = recorder.frames.length;
  await sleep(ms);
  return recorder.frames.slice(from).filter(match);
}

/**
 * Polls `probe` until it returns something other than undefined, for at most `timeoutMs`; the
 * error names `what` and the last value seen.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await sleep(everyMs);
  }
}

/** GET on a URL without a cookie jar, bounded: status and parsed JSON body (status 0: no answer). */
export async function probe(url: string, timeoutMs = 2000): Promise<{ status: number; body: any; headers?: Headers; error?: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  } catch (err) {
    return { status: 0, body: undefined, error: err instanceof Error ? `${err.message} ${String(err.cause ?? '')}` : String(err) };
  }
}

/**
 * RestSender (testing/durabilityChecker.ts) behind a balancer: a 502 or 504 from the balancer
 * means the node it chose died with the request in flight (nginx does not pass a POST that was
 * already sent on to the next node), so, like no answer at all, the send is retried with the
 * same clientMessageId. Any other refusal still fails the run.
 */
export class BalancedRestSender extends RestSender {
  protected override readonly retried: readonly number[] = [0, 429, 502, 503, 504];
}

/**
 * A Deployment (testing/durabilityChecker.ts) that a test's `after()` can end: once `end()` is
 * called, every client that looks up where to connect or send gets an error and stops, instead
 * of retrying against a cluster that is gone until its patience runs out.
 */
export class StoppableDeployment implements Deployment {
  private ended = false;
  constructor(private readonly target: string) {}

  get url(): string {
    if (this.ended) throw new Error('the test is over: the deployment is gone');
    return this.target;
  }

  end(): void {
    this.ended = true;
  }
}

/**
 * Ends an open-ended load: clients started with a large `sends` (an upper bound) keep sending
 * until a test's faults are over, then each finishes the send it is on, or at most one more, and
 * stops. Their `options.sends` becomes what they will have sent, which is what the durability
 * checker expects to find.
 */
export function stopSending(clients: ChatClient[]): void {
  if (new Set(clients.map((c) => c.options)).size !== clients.length) throw new Error('stopSending needs clients with options of their own (openEndedClients)');
  for (const c of clients) c.options.sends = Math.min(c.options.sends, c.acked.size + 1);
}

/** Like `chatClients` (testing/durabilityChecker.ts), each with options of its own, for `stopSending`. */
export function openEndedClients(people: Person[], channelId: string, startSeq: number, options: ChatClient['options']): ChatClient[] {
  return people.map((p, i) => new ChatClient(`c${i}`, p, channelId, startSeq, { ...options }));
}

/** REST senders likewise. */
export function stopRestSending(senders: RestSender[]): void {
  for (const r of senders) (r as { sends: number }).sends = Math.min(r.sends, r.acked.size + 1);
}

/**
 * Where the clients' sockets are, by each node's own gauge, once only they are open: waits
 * (bounded) until the gauges add up to one socket per client, so that the count of the node
 * about to fail is exactly how many clients must move.
 */
export async function clientSocketsPerNode(cluster: Cluster, clients: ChatClient[], timeoutMs = 5000): Promise<number[]> {
  return waitUntil(`the nodes' socket gauges add up to the ${clients.length} clients`, async () => {
    const counts = await Promise.all(cluster.nodes.map((n) => (n.proc.alive ? cluster.socketsOn(n.index) : 0)));
    return counts.reduce((a, b) => a + b, 0) === clients.length && clients.every((c) => c.socket?.isOpen) ? counts : undefined;
  }, timeoutMs);
}

/**
 * GET `url` from another loopback address (`localAddress`, e.g. 127.0.0.2: all of 127/8 is
 * loopback on Linux), so that the balancer sees a client address that is not its own, the
 * nodes' peer. Returns status and headers.
 */
export function getFrom(url: string, localAddress: string, headers: Record<string, string> = {}, timeoutMs = 3000): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * The client address node `nodeId` logged for the request carrying `marker` (LOG_LEVEL=info logs
 * every incoming request with the address it computed: with TRUST_PROXY=true, X-Forwarded-For's first).
 */
export async function loggedClientAddress(cluster: Cluster, nodeId: string, marker: string): Promise<string | undefined> {
  return waitUntil(`${nodeId} logged the request ${marker}`, async () => {
    const line = cluster.nodes.find((n) => n.id === nodeId)?.proc.output.split('\n').find((l) => l.includes(marker));
    return line ? (/"remoteAddress":"([^"]+)"/.exec(line)?.[1] ?? '') : undefined;
  }, 2000, 10);
}
