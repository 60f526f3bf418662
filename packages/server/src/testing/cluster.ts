import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ServerProcess } from './serverProcess.js';
import { freePort } from './freePort.js';
import { createTestDatabase, startPostgres, type PgCluster } from './postgres.js';
import { startRestartableRedis, type RestartableRedis } from './restartableRedis.js';
import { startBalancer, type Balancer, type BalancerKind } from './balancer.js';
import { sleep } from '../realtime/testFrames.js';

/**
 * Test helper (not shipped behaviour): RelayDesk scaled out as the contract describes it
 * (PRODUCT.md, "Scale-out"): one PostgreSQL database, one Redis, N nodes running the real
 * `main.js` in processes of their own (testing/serverProcess.ts), and a real load balancer in
 * front of them (testing/balancer.ts, nginx or HAProxy, round robin, no sticky sessions).
 *
 * Each node's port is picked before it first starts and kept: a node restarted (after kill -9
 * or SIGTERM) comes back on the same port, so the balancer's configuration stays valid, as
 * it would behind a real balancer with a fixed list of nodes.
 */

export interface ClusterNode {
  index: number;
  /** NODE_ID, `node-<index>`. */
  id: string;
  port: number;
  /** The node's own URL, past the balancer. */
  url: string;
  /** The current process; a new one after each start. */
  proc: ServerProcess;
  /** The output of earlier processes of this node (before restarts), then the current one's. */
  output(): string;
}

export interface ClusterOptions {
  /** How many nodes (default 3). */
  nodes?: number;
  /** Which balancer (default nginx). */
  balancer?: BalancerKind;
  /** Extra environment for every node (overrides the defaults below). */
  env?: Record<string, string>;
  /**
   * A PostgreSQL cluster of its own (testing/postgres.ts `startPostgres`) instead of a database in
   * the run's shared one, so that `haltPostgres()` / `resumePostgres()` can stop and start it.
   */
  ownPostgres?: boolean;
  /** HAProxy's health-check interval (default 500 ms). */
  checkIntervalMs?: number;
}

/** What every node gets (the same secret on all of them: a cookie or ticket from one is good on all). */
export function nodeEnv(index: number, databaseUrl: string, redisUrl: string, port: number, dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    TRUST_PROXY: 'true',
    NODE_ID: `node-${index}`,
    DRAIN_DELAY_MS: '300',
    SHUTDOWN_GRACE_MS: '5000',
    PRESENCE_GRACE_MS: '1500',
    SEED_DEMO: 'false',
    JWT_SECRET: 'relaydesk-cluster-test-secret-0123456789abcdef',
    LOG_LEVEL: 'info',
  };
}

export class Cluster {
  readonly nodes: ClusterNode[] = [];
  balancer!: Balancer;
  private redis!: RestartableRedis;
  private pgCluster: PgCluster | undefined;
  private dropDatabase: (() => Promise<void>) | undefined;
  databaseUrl!: string;
  private readonly dir: string;
  private readonly pastOutput = new Map<number, string>();
  /** Nodes sent SIGTERM by `terminate` and not started again since. */
  private readonly terminating = new Set<number>();

  private constructor(private readonly options: ClusterOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-cluster-'));
  }

  /**
   * Starts everything; on any failure stops what did start and throws (with the nodes' output).
   * The first node starts alone (it runs the migrations on the empty database), then the others.
   */
  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(options);
    try {
      await cluster.boot();
      return cluster;
    } catch (err) {
      const outputs = cluster.nodes.map((n) => `--- ${n.id}:\n${n.output().slice(-3000)}`).join('\n');
      await cluster.close().catch(() => undefined);
      throw new Error(`the cluster did not start: ${err instanceof Error ? err.message : String(err)}\n${outputs}`);
    }
  }

  private async boot(): Promise<void> {
    const count = this.options.nodes ?? 3;
    if (this.options.ownPostgres) {
      this.pgCluster = await startPostgres({ crashSafe: true });
      const name = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: this.pgCluster.adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(this.pgCluster.adminUrl);
      url.pathname = `/${name}`;
      this.databaseUrl = url.toString();
    } else {
      const db = await createTestDatabase();
      this.databaseUrl = db.url;
      this.dropDatabase = db.drop;
    }
    this.redis = await startRestartableRedis();
    const ports: number[] = [];
    while (ports.length < count) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const dataDir = path.join(this.dir, 'data');
    fs.mkdirSync(dataDir);
    const first = await this.spawn(0, ports[0]!, dataDir);
    this.nodes.push(first);
    const rest = await Promise.allSettled(ports.slice(1).map((port, i) => this.spawn(i + 1, port, dataDir)));
    for (const r of rest) if (r.status === 'fulfilled') this.nodes.push(r.value);
    const failed = rest.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.nodes.sort((a, b) => a.index - b.index);
    await Promise.all(this.nodes.map((n) => this.waitReady(n.index)));
    this.balancer = await startBalancer(this.options.balancer ?? 'nginx', {
      upstreams: this.nodes.map((n) => `127.0.0.1:${n.port}`),
      checkIntervalMs: this.options.checkIntervalMs,
    });
    await this.waitBalanced();
  }

  private async spawn(index: number, port: number, dataDir: string): Promise<ClusterNode> {
    const env = { ...nodeEnv(index, this.databaseUrl, this.redis.url, port, dataDir), ...this.options.env };
    const cwd = path.join(this.dir, `node-${index}`);
    fs.mkdirSync(cwd, { recursive: true });
    const { proc, url } = await ServerProcess.start({ cwd, env });
    const node: ClusterNode = {
      index,
      id: `node-${index}`,
      port,
      url,
      proc,
      output: () => `${this.pastOutput.get(index) ?? ''}${node.proc.output}`,
    };
    return node;
  }

  /** The balancer's URL: what clients use. */
  get url(): string {
    return this.balancer.url;
  }

  get redisUrl(): string {
    return this.redis.url;
  }

  node(i: number): ClusterNode {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return n;
  }

  /** kill -9 of node i: no drain, no 1012, no goodbye to Redis. */
  async kill(i: number): Promise<void> {
    await this.node(i).proc.kill();
  }

  /**
   * SIGTERM to node i, without waiting: resolves at once with the process's exit, so that a test
   * can watch the drain (`/ready` 503, sockets closed with 1012) while it happens.
   */
  terminate(i: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const proc = this.node(i).proc;
    if (proc.alive) proc.child.kill('SIGTERM');
    this.terminating.add(i);
    return proc.exited;
  }

  /** Starts node i again (after kill or terminate) on the same port, and waits for /ready 200. */
  async start(i: number): Promise<void> {
    const node = this.node(i);
    if (node.proc.alive) throw new Error(`${node.id} is still running`);
    this.pastOutput.set(i, `${this.pastOutput.get(i) ?? ''}${node.proc.output}\n--- (restarted)\n`);
    this.terminating.delete(i);
    const fresh = await this.spawn(i, node.port, path.join(this.dir, 'data'));
    node.proc = fresh.proc;
    await this.waitReady(i);
  }

  /** SIGTERM, wait for the exit (bounded: SIGKILL past `graceMs`), start again on the same port, wait for /ready. */
  async restart(i: number, graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const exited = this.terminate(i);
    const timer = setTimeout(() => this.node(i).proc.child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    await this.start(i);
    return result;
  }

  /** Waits until node i's own /ready answers 200. */
  async waitReady(i: number, timeoutMs = 20_000): Promise<void> {
    const node = this.node(i);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      if (!node.proc.alive) throw new Error(`${node.id} exited while waiting for /ready:\n${node.output().slice(-3000)}`);
      try {
        const res = await fetch(`${node.url}/ready`, { signal: AbortSignal.timeout(2500) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) return;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`${node.id}: /ready not 200 within ${timeoutMs} ms (last: ${last})`);
      await sleep(50);
    }
  }

  /** Waits until the balancer passes requests to every node: a /ready 200 through it `nodes` times in a row. */
  async waitBalanced(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ok = 0;
    let last = '';
    while (ok < this.nodes.length * 2) {
      try {
        const res = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(2500) });
        last = `${res.status} ${await res.text()}`;
        ok = res.status === 200 ? ok + 1 : 0;
      } catch (err) {
        ok = 0;
        last = String(err);
      }
      if (ok >= this.nodes.length * 2) return;
      if (Date.now() > deadline) throw new Error(`the balancer did not answer /ready 200 in ${timeoutMs} ms (last: ${last}):\n${this.balancer.log().slice(-2000)}`);
      await sleep(ok === 0 ? 50 : 0);
    }
  }

  /** Stops Redis (every node's connection to it drops); `startRedis()` brings it back on the same port, empty. */
  async stopRedis(options: { kill?: boolean } = {}): Promise<void> {
    await this.redis.halt(options);
  }

  async startRedis(): Promise<void> {
    await this.redis.start();
  }

  /** Stops PostgreSQL (`fast`: sessions ended with 57P01; `immediate`: a crash). Needs `ownPostgres`. */
  async haltPostgres(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.pgCluster) throw new Error('haltPostgres needs a cluster started with { ownPostgres: true }');
    await this.pgCluster.halt(mode);
  }

  async resumePostgres(): Promise<void> {
    if (!this.pgCluster) throw new Error('resumePostgres needs a cluster started with { ownPostgres: true }');
    await this.pgCluster.resume();
  }

  /** A Prometheus sample of node i (0 when absent), e.g. `relaydesk_ws_connections`. */
  async metric(i: number, name: string): Promise<number> {
    const text = await (await fetch(`${this.node(i).url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : 0;
  }

  /** Open WebSocket connections on node i, by its own gauge. */
  socketsOn(i: number): Promise<number> {
    return this.metric(i, 'relaydesk_ws_connections');
  }

  /** Waits until node i's gauge of open sockets is `count`. */
  async waitForSockets(i: number, count: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.socketsOn(i);
      if (now === count) return;
      if (Date.now() > deadline) throw new Error(`${this.node(i).id} has ${now} open sockets, expected ${count}`);
      await sleep(25);
    }
  }

  /**
   * Which node served a request through the balancer: by its `X-Node-Id` response header when
   * the nodes send one, otherwise by the node whose request log names `marker` (a unique query
   * string the caller put in the URL; LOG_LEVEL=info logs every incoming request with its URL).
   */
  async servedBy(headers: Headers, marker?: string): Promise<string | undefined> {
    const header = headers.get('x-node-id');
    if (header) return header;
    if (marker === undefined) return undefined;
    const deadline = Date.now() + 1000;
    for (;;) {
      const found = this.nodes.find((n) => n.proc.output.includes(marker));
      if (found) return found.id;
      if (Date.now() > deadline) return undefined;
      await sleep(10);
    }
  }

  /**
   * Back to every node up (for the start of a test, whatever the previous one left): a node
   * still shutting down is waited for (bounded, then killed), a dead one started again.
   */
  async ensureAllUp(): Promise<void> {
    for (const n of this.nodes) {
      if (n.proc.alive && n.proc.child.signalCode === null && this.terminating.has(n.index)) {
        const timer = setTimeout(() => n.proc.child.kill('SIGKILL'), 10_000);
        await n.proc.exited;
        clearTimeout(timer);
      }
      this.terminating.delete(n.index);
      if (!n.proc.alive) await this.start(n.index);
    }
    await this.waitBalanced();
  }

  /** Every node's process alive. */
  allAlive(): boolean {
    return this.nodes.every((n) => n.proc.alive);
  }

  /**
   * For a failure message: each node alive or dead, and the end of what it wrote at warn level
   * and above (and anything that is not a log line, such as a crash's stack), then the balancer's log.
   */
  describe(chars = 1500): string {
    const interesting = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !/"level":(10|20|30),/.test(l)).join('\n');
    return [
      ...this.nodes.map((n) => `--- ${n.id} (${n.proc.alive ? 'alive' : `dead: ${n.proc.child.exitCode ?? n.proc.child.signalCode}`}):\n${interesting(n.output()).slice(-chars)}`),
      `--- ${this.balancer?.kind ?? 'balancer'}:\n${this.balancer?.log().slice(-chars) ?? ''}`,
    ].join('\n');
  }

  /** Runs `fn`; if it throws, the error's message gains `describe()`. */
  async explained<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof Error) err.message += `\n${this.describe()}`;
      throw err;
    }
  }

  /** Stops the balancer, every node (kill -9: nothing to wait for), Redis and the database; removes the temp dirs. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<void> | undefined) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    await attempt(() => this.balancer?.stop());
    await Promise.all(this.nodes.map((n) => attempt(() => n.proc.kill())));
    await attempt(() => this.redis?.stop());
    if (this.pgCluster) await attempt(() => this.pgCluster!.stop());
    else await attempt(() => this.dropDatabase?.());
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw errors[0];
  }
}
