import type { Cluster } from './cluster.js';
import type { TestServer } from './testServer.js';
import { clientAt } from './durabilityChecker.js';
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
