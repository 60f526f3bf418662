#!/usr/bin/env node
// Scale-out load: scenario (b) of bench/realtimeLoad.mjs (rooms of 50 connections, a fixed total
// message rate, delivery latency = send → receipt on every member of the room) against RelayDesk
// running as 1, 2 and 3 nodes on one PostgreSQL database and one Redis, all on this machine:
//   - 1 node on PostgreSQL without Redis (the baseline; --no-baseline skips it),
//   - 1 node on PostgreSQL + Redis (what Redis costs when there is nobody to fan out to),
//   - 2 and 3 nodes on PostgreSQL + Redis (--nodes 1,2,3).
// Each configuration gets a fresh database (one PostgreSQL cluster for the run, a new database
// each time) and a fresh redis-server. There is no balancer: connection i goes straight to node
// i mod N, and a room is 50 consecutive users, so the members of every room are spread over every
// node and each message reaches most of its room through another node (Redis pub/sub, `rd:bus`).
// Reported per configuration: connections, offered msg/s, deliveries/s, delivery p50/p95/p99,
// send → ack p50/p99, CPU of each node, of PostgreSQL (postmaster and backends) and of
// redis-server (from /proc), and, with the ramp, the most deliveries/s sustained at p99 ≤ 50 ms.
// The machine may be shared: before each step the bench waits (at most 60 s) until processes not
// its own use under --quiet % CPU, and re-runs (at most twice) a step they disturbed anyway.
// Run by hand, not by `npm test`:
//   npx tsc -b && node bench/scaleOut.mjs [--nodes 1,2,3] [--no-baseline] [--connections 1500]
//     [--room-size 50] [--rate 200] [--duration 10] [--step 4] [--no-ramp] [--workers cores-1]
//     [--connect-rate 500] [--p99 50] [--quiet 30] [--max-minutes 30] [--json out.json]
// See docs/performance.md, "Scale-out".
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Limits } from '@relaydesk/protocol';
import { loadConfig } from '../packages/server/dist/config/env.js';
import { SqlStorage } from '../packages/server/dist/storage/sql/sqlStorage.js';
import { PasswordHasher } from '../packages/server/dist/auth/passwords.js';
import { hashToken, randomToken } from '../packages/server/dist/auth/secrets.js';
import { startPostgres } from '../packages/server/dist/testing/postgres.js';
import { startRedis } from '../packages/server/dist/testing/redisServer.js';
import { Histogram } from './realtime/histogram.mjs';
import { children, cpuMsOf, freePort, spawnNode } from './realtime/targets.mjs';

const { values: opts } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1,2,3' },
    'no-baseline': { type: 'boolean', default: false },
    connections: { type: 'string', default: '1500' },
    'room-size': { type: 'string', default: '50' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    step: { type: 'string', default: '4' },
    'no-ramp': { type: 'boolean', default: false },
    workers: { type: 'string', default: String(Math.max(1, os.availableParallelism() - 1)) },
    'connect-rate': { type: 'string', default: '500' },
    p99: { type: 'string', default: '50' },
    'max-minutes': { type: 'string', default: '30' },
    // On a shared machine: before each step wait (at most 60 s) until other processes use less
    // than this much CPU (% of one core); a step they disturbed anyway (over twice this) is re-run.
    quiet: { type: 'string', default: '30' },
    json: { type: 'string' },
  },
});
const nodeCounts = opts.nodes.split(',').map((s) => Number(s.trim()));
const roomSize = Number(opts['room-size']);
const rooms = Math.max(1, Math.round(Number(opts.connections) / roomSize));
const connections = rooms * roomSize;
const nominalRate = Number(opts.rate);
const durationMs = Number(opts.duration) * 1000;
const stepMs = Number(opts.step) * 1000;
const workerCount = Math.max(1, Number(opts.workers));
const connectRate = Number(opts['connect-rate']);
const barMs = Number(opts.p99);
const maxMs = Number(opts['max-minutes']) * 60_000;
const quietPct = Number(opts.quiet);
for (const n of nodeCounts) if (!(Number.isInteger(n) && n >= 1 && n <= 16)) throw new Error(`--nodes: bad count ${n}`);
if (!(quietPct > 0)) throw new Error('--quiet: a CPU percentage');
if (!(roomSize >= 2 && nominalRate > 0 && durationMs > 0 && stepMs > 0 && connectRate > 0 && barMs > 0 && maxMs > 0)) throw new Error('bad numeric option');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const probe = path.join(here, 'realtime/memoryProbe.mjs');

// --- processes we did not spawn with spawnNode: PostgreSQL (postmaster + backends), redis-server ---

function statFields(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}
const ticksMs = (f, ...idx) => idx.reduce((s, i) => s + Number(f[i]), 0) * 10; // USER_HZ = 100

/** The pid of the process whose command line (NUL-separated args) satisfies `match`. */
function findPid(match) {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (args.length && match(args)) return Number(name);
    } catch {
      // gone
    }
  }
  return undefined;
}

/**
 * PostgreSQL's CPU time (ms): the postmaster's own and its reaped children's (backends that
 * exited), plus every live child's (backends, checkpointer, WAL writer, autovacuum).
 */
function pgCpuMs(postmaster) {
  const f = statFields(postmaster);
  if (!f) return NaN;
  let ms = ticksMs(f, 11, 12, 13, 14);
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const c = statFields(name);
    if (c && Number(c[1]) === postmaster) ms += ticksMs(c, 11, 12, 13, 14);
  }
  return ms;
}

/** Machine-wide busy CPU time (ms) from /proc/stat. */
function machineBusyMs() {
  const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) * 10;
}

// --- cleanup -------------------------------------------------------------------------------------

/** Everything started that spawnNode does not track: { kill(): void (sync), stop(): Promise } */
const services = new Set();
const tempDirs = new Set();

function killEverythingSync() {
  for (const child of children) child.kill('SIGKILL');
  for (const s of services) s.kill();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}
async function stopEverything() {
  const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(exits);
  for (const s of [...services]) await s.stop().catch((err) => console.error(`stopping ${s.name}: ${err.message}`));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}
/** Sync kill of a process we only know by pid, then the directory it worked in. */
function killPid(pid, signal, dir) {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const until = Date.now() + 3000;
  while (Date.now() < until && fs.existsSync(`/proc/${pid}`) && statFields(pid)?.[0] !== 'Z') {
    // busy wait: this runs in a signal handler on the way out
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
/** Interrupted or out of time: stop everything, then report the configurations that finished. */
function abort(why, code) {
  console.error(`\n${why}: stopping every process started`);
  killEverythingSync();
  try {
    report();
  } catch (err) {
    console.error(`report: ${err.message}`);
  }
  process.exit(code);
}
process.on('SIGINT', () => abort('interrupted', 130));
const deadline = setTimeout(() => abort(`--max-minutes ${opts['max-minutes']} reached`, 124), maxMs);
deadline.unref();

async function startPg() {
  const cluster = await startPostgres({ crashSafe: true });
  const port = new URL(cluster.adminUrl).port;
  const pid = findPid((a) => a[0].endsWith('/postgres') && a.includes('-p') && a[a.indexOf('-p') + 1] === port);
  if (!pid) throw new Error('postmaster pid not found');
  const dir = path.dirname(fs.readlinkSync(`/proc/${pid}/cwd`)); // it runs in <tmp>/data
  const service = {
    name: 'postgres',
    kill: () => killPid(pid, 'SIGQUIT', dir), // immediate shutdown: the postmaster ends its backends
    stop: async () => {
      services.delete(service);
      await cluster.stop();
    },
  };
  services.add(service);
  return { ...cluster, pid, cpuMs: () => pgCpuMs(pid), stop: service.stop };
}

async function startRedisServer() {
  const redis = await startRedis();
  const port = new URL(redis.url).port;
  const pid = findPid((a) => a.join(' ').includes('redis-server') && a.join(' ').includes(`:${port}`)) ?? findPid((a) => a[0].includes('redis-server') && a.includes(port));
  if (!pid) {
    await redis.stop();
    throw new Error('redis-server pid not found');
  }
  const dir = fs.readlinkSync(`/proc/${pid}/cwd`); // --dir
  const service = {
    name: 'redis',
    kill: () => killPid(pid, 'SIGKILL', dir),
    stop: async () => {
      services.delete(service);
      await redis.stop();
    },
  };
  services.add(service);
  return { url: redis.url, pid, cpuMs: () => cpuMsOf(pid), stop: service.stop };
}

// --- seeding -------------------------------------------------------------------------------------

/**
 * A fresh database, seeded through the server's own storage layer (migrations, then the storage
 * port's create methods), before any node starts: one workspace and one public channel per room,
 * one user per connection, member of its room's channel, with a session and a single-use
 * WebSocket ticket made the way the server makes them (`randomToken`, stored as `hashToken`).
 */
async function seed(databaseUrl) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-scale-seed-'));
  tempDirs.add(dataDir);
  const t0 = performance.now();
  const storage = await SqlStorage.open(databaseUrl, dataDir);
  try {
    const now = Date.now();
    const passwordHash = await new PasswordHasher(8192).hash(randomBytes(16).toString('hex'));
    const users = Array.from({ length: connections }, (_, i) => ({ id: randomUUID(), sessionId: randomUUID(), room: Math.floor(i / roomSize), ticket: randomToken(), i }));
    const channels = Array.from({ length: rooms }, () => randomUUID());
    const seedRoom = async (r) => {
      const members = users.slice(r * roomSize, (r + 1) * roomSize);
      for (const u of members) {
        const name = `scale_user_${u.i}`;
        await storage.users.create({ id: u.id, username: name, email: `${name}@bench.example`, displayName: name, passwordHash, createdAt: now });
      }
      const workspaceId = randomUUID();
      const owner = members[0];
      await storage.workspaces.create({ id: workspaceId, name: `Scale ${r}`, createdBy: owner.id, createdAt: now }, { workspaceId, userId: owner.id, role: 'owner', joinedAt: now });
      await storage.channels.create({
        id: channels[r],
        workspaceId,
        kind: 'public',
        name: `room ${r}`,
        slug: `room-${r}`,
        topic: '',
        createdBy: owner.id,
        createdAt: now,
        archivedAt: null,
        lastSeq: 0,
        conversationKey: null,
      });
      for (const u of members) {
        if (u !== owner) await storage.workspaces.addMember({ workspaceId, userId: u.id, role: 'member', joinedAt: now });
        await storage.channels.addMember({ channelId: channels[r], userId: u.id, joinedAt: now, lastReadSeq: 0 });
        await storage.sessions.create(
          { id: u.sessionId, userId: u.id, createdAt: now, lastUsedAt: now, expiresAt: now + Limits.refreshTokenTtlSeconds * 1000, revokedAt: null, userAgent: 'relaydesk-bench', ip: '127.0.0.1' },
          { tokenHash: hashToken(randomToken()), expiresAt: now + Limits.refreshTokenTtlSeconds * 1000 },
        );
        await storage.wsTickets.create({ ticketHash: hashToken(u.ticket), userId: u.id, sessionId: u.sessionId, createdAt: now, expiresAt: now + Limits.wsTicketTtlSeconds * 1000 });
      }
    };
    // Rooms in parallel, as many as the storage's pool has connections.
    let next = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (next < rooms) await seedRoom(next++);
    }));
    return { users, channels, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await storage.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    tempDirs.delete(dataDir);
  }
}

// --- RelayDesk nodes -----------------------------------------------------------------------------

/** Server stderr, and stdout lines at warn level or above, prefixed; the rest is dropped. */
function relayOutput(name, child) {
  const relay = (stream, all) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) if (line && (all || !/"level":(10|20|30),/.test(line))) console.error(`[${name}] ${line.slice(0, 500)}`);
    });
  };
  relay(child.stdout, false);
  relay(child.stderr, true);
}

/**
 * N RelayDesk processes as `npm start` runs them (production mode), on one database and (if
 * given) one Redis, each on its own loopback port, sharing JWT_SECRET as a cluster must. Rate
 * limits and per-user / per-IP socket caps raised (every benchmark socket comes from 127.0.0.1).
 */
async function startNodes(count, databaseUrl, redisUrl) {
  const ports = [];
  for (let k = 0; k < count; k++) ports.push(await freePort());
  const secret = randomBytes(32).toString('hex');
  const spawned = [];
  const starting = Promise.all(
    ports.map(async (port, k) => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-scale-node-'));
      tempDirs.add(dataDir);
      const env = {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        // What a balancer in front would be; the bench connects to each node's port directly.
        PUBLIC_URL: `http://127.0.0.1:${ports[0]}`,
        NODE_ID: `bench-node-${k + 1}`,
        DATABASE_URL: databaseUrl,
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
        DATA_DIR: dataDir,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        JWT_SECRET: secret,
        COOKIE_SECURE: 'true',
        PASSWORD_HASH_MEMORY_KIB: '8192',
        RATE_LIMIT_API_PER_MIN: '100000000',
        RATE_LIMIT_ANON_PER_MIN: '100000000',
        RATE_LIMIT_LOGIN_PER_MIN: '100000',
        WS_MAX_CONNECTIONS_PER_USER: '100000',
        WS_MAX_CONNECTIONS_PER_IP: '100000',
        DRAIN_DELAY_MS: '0',
        SHUTDOWN_GRACE_MS: '2000',
        BENCH_MAX_LIFETIME_MS: String(maxMs),
      };
      loadConfig(env); // fail early on a setting the server would refuse
      const name = `node-${k + 1}`;
      const child = spawnNode(['--import', probe, path.join(root, 'packages/server/dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      spawned.push(child);
      relayOutput(name, child);
      const url = `http://127.0.0.1:${port}`;
      for (let tries = 0; ; tries++) {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
        if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
        if (tries > 600) throw new Error(`${name} did not start`);
        await sleep(100);
      }
      return {
        name,
        port,
        pid: child.pid,
        cpuMs: () => cpuMsOf(child.pid),
        alive: () => child.exitCode === null && child.signalCode === null,
        async close() {
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            await exited;
            clearTimeout(timer);
          }
          fs.rmSync(dataDir, { recursive: true, force: true });
          tempDirs.delete(dataDir);
        },
      };
    }),
  );
  try {
    return await starting;
  } catch (err) {
    // One failed to start: end the others now, not at the end of the run.
    await Promise.all(spawned.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => { c.once('exit', r); c.kill('SIGKILL'); }) : undefined)));
    throw err;
  }
}

// --- load generators (bench/realtime/loadWorker.mjs, driven as realtimeLoad.mjs drives them) -----

async function startWorkers() {
  const workers = [];
  for (let k = 0; k < workerCount; k++) {
    const child = spawnNode([path.join(here, 'realtime/loadWorker.mjs')], { env: {}, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const pending = new Map();
    let reqIds = 0;
    child.on('message', (m) => {
      pending.get(m.reqId)?.(m);
      pending.delete(m.reqId);
    });
    child.once('exit', (code) => {
      for (const reject of pending.values()) reject({ workerExited: code });
    });
    const call = (cmd, args = {}) =>
      new Promise((resolve, reject) => {
        const reqId = ++reqIds;
        pending.set(reqId, (m) => (m.workerExited === undefined ? resolve(m) : reject(new Error(`load worker exited with ${m.workerExited}`))));
        child.send({ cmd, reqId, ...args });
      });
    await call('init', { proto: 'relaydesk', workerId: k, client: 'lean' });
    workers.push({ child, call });
  }
  return workers;
}
const all = (workers, cmd, args) => Promise.all(workers.map((w, k) => w.call(cmd, typeof args === 'function' ? args(k) : args)));
const sum = (parts, key) => parts.reduce((s, p) => s + p[key], 0);
const workerCpuMs = (workers) => workers.reduce((s, w) => s + (cpuMsOf(w.child.pid) || 0), 0);

/** The nodes' own counters (GET /metrics): what went over the Redis bus and what each node wrote to its sockets. */
const METRICS = {
  published: 'relaydesk_bus_published_total',
  received: 'relaydesk_bus_received_total',
  publishFailures: 'relaydesk_bus_publish_failures_total',
  resyncs: 'relaydesk_bus_resyncs_total',
  written: 'relaydesk_ws_events_delivered_total',
};
async function scrape(nodes) {
  return Promise.all(
    nodes.map(async (n) => {
      const text = await fetch(`http://127.0.0.1:${n.port}/metrics`).then((r) => r.text(), () => '');
      const out = {};
      for (const [key, name] of Object.entries(METRICS)) {
        const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
        out[key] = m ? Number(m[1]) : 0;
      }
      return out;
    }),
  );
}
const counterDiff = (after, before) => after.map((a, k) => Object.fromEntries(Object.keys(a).map((key) => [key, a[key] - before[k][key]])));

/** Waits until every node is quiet (each under 10 % of a core over half a second), at most `maxWaitMs`. */
async function settle(nodes, maxWaitMs = 60_000) {
  const t0 = performance.now();
  for (;;) {
    const c0 = nodes.map((n) => n.cpuMs());
    await sleep(500);
    const busiest = Math.max(...nodes.map((n, k) => ((n.cpuMs() - c0[k]) / 500) * 100));
    if (busiest < 10 || performance.now() - t0 > maxWaitMs) return busiest;
  }
}

/** Every process of ours: CPU ms so far. */
function ourCpuMs(ctx) {
  const self = process.cpuUsage();
  return ctx.nodes.reduce((s, n) => s + (n.cpuMs() || 0), 0) + (ctx.pgServer.cpuMs() || 0) + (ctx.redis?.cpuMs() || 0) + workerCpuMs(ctx.workers) + (self.user + self.system) / 1000;
}

/** Waits (at most 60 s) until the rest of the machine uses under --quiet % CPU over one second; returns the last figure. */
async function waitForQuiet(ctx) {
  const t0 = performance.now();
  for (;;) {
    const m0 = machineBusyMs();
    const o0 = ourCpuMs(ctx);
    const s0 = performance.now();
    await sleep(1000);
    const others = Math.max(0, ((machineBusyMs() - m0 - (ourCpuMs(ctx) - o0)) / (performance.now() - s0)) * 100);
    if (others < quietPct || performance.now() - t0 > 60_000) return { others, waitedMs: performance.now() - t0 };
  }
}

/** A step, re-run (at most twice more) while other processes disturbed it. */
async function measureUndisturbed(ctx, rate, ms, log) {
  let r;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const quiet = await waitForQuiet(ctx);
    r = await measure(ctx, rate, ms);
    r.quietBefore = quiet;
    r.attempt = attempt;
    log?.(r);
    if (!r.disturbed) break;
    await settle(ctx.nodes);
  }
  return r;
}

/**
 * One measured step: the workers send `rate` msg/s in all for `ms`, then deliveries drain for up
 * to 2 s (or 10 × the bar). Undelivered ones count as infinitely late in the percentiles.
 */
let stepIds = 0;
async function measure(ctx, rate, ms) {
  const { nodes, pgServer, redis, workers, connected } = ctx;
  const id = ++stepIds;
  const before = await all(workers, 'status');
  const counters0 = await scrape(nodes);
  const t0 = performance.now();
  const cpu0 = {
    nodes: nodes.map((n) => n.cpuMs()),
    pg: pgServer.cpuMs(),
    redis: redis?.cpuMs() ?? 0,
    gen: workerCpuMs(workers),
    machine: machineBusyMs(),
    self: process.cpuUsage(),
  };
  const sent = await all(workers, 'step', { id, rate: rate / workers.length, durationMs: ms });
  const elapsed = performance.now() - t0;
  const self = process.cpuUsage(cpu0.self);
  const pct = (v) => (v / elapsed) * 100;
  const cpu = {
    nodes: nodes.map((n, k) => pct(n.cpuMs() - cpu0.nodes[k])),
    pg: pct(pgServer.cpuMs() - cpu0.pg),
    redis: redis ? pct(redis.cpuMs() - cpu0.redis) : 0,
    gen: pct(workerCpuMs(workers) - cpu0.gen),
    machine: pct(machineBusyMs() - cpu0.machine),
    self: pct((self.user + self.system) / 1000),
  };
  cpu.other = Math.max(0, cpu.machine - cpu.nodes.reduce((a, b) => a + b, 0) - cpu.pg - cpu.redis - cpu.gen - cpu.self);
  const messages = sum(sent, 'sent');
  // Rooms take turns, so each receives messages/rooms; every connected member gets each one.
  const expected = Math.round(messages * (connected / rooms));
  const drainUntil = performance.now() + Math.max(2000, 10 * barMs);
  while (performance.now() < drainUntil && sum(await all(workers, 'count', { id }), 'delivered') < expected) await sleep(50);
  const parts = await all(workers, 'collect', { id });
  const after = await all(workers, 'status');
  const counters = counterDiff(await scrape(nodes), counters0);
  const hist = new Histogram();
  const acks = new Histogram();
  for (const p of parts) {
    hist.merge(p.hist);
    acks.merge(p.ackHist);
  }
  const delivered = sum(parts, 'delivered');
  const diff = (key) => {
    const out = {};
    for (let k = 0; k < workers.length; k++) {
      for (const [code, n] of Object.entries(after[k][key])) {
        const d = n - (before[k][key][code] ?? 0);
        if (d) out[code] = (out[code] ?? 0) + d;
      }
    }
    return out;
  };
  const errors = diff('errors');
  const lost = diff('lost');
  const lagging = Math.max(...sent.map((s) => s.elapsedMs)) > ms * 1.1 || sum(sent, 'unsent') > 0;
  const nodeCpuTotal = cpu.nodes.reduce((a, b) => a + b, 0);
  const r = {
    rate,
    seconds: ms / 1000,
    messages,
    expected,
    delivered,
    deliveriesPerSec: delivered / (ms / 1000),
    p50: hist.quantileMs(0.5, expected),
    p95: hist.quantileMs(0.95, expected),
    p99: hist.quantileMs(0.99, expected),
    max: hist.quantileMs(1, expected),
    ackP50: acks.quantileMs(0.5, messages),
    ackP99: acks.quantileMs(0.99, messages),
    cpu,
    counters,
    // CPU ms of all nodes together per message sent and per 1,000 deliveries.
    nodeCpuMsPerMessage: messages ? (nodeCpuTotal * elapsed) / 100 / messages : NaN,
    nodeCpuMsPer1000Deliveries: delivered ? ((nodeCpuTotal * elapsed) / 100 / delivered) * 1000 : NaN,
    generatorLoopDelayP99: Math.max(...sent.map((s) => s.loopDelayP99Ms)),
    errors,
    lost,
    lagging,
  };
  const problems = [];
  if (!(r.p99 <= barMs)) problems.push(`p99 > ${barMs} ms`);
  if (Object.keys(errors).length) problems.push(`errors ${JSON.stringify(errors)}`);
  if (Object.keys(lost).length) problems.push(`connections lost ${JSON.stringify(lost)}`);
  if (lagging) problems.push('load generator could not keep the rate');
  r.ok = problems.length === 0;
  r.problems = problems;
  r.disturbed = cpu.other > 2 * quietPct;
  return r;
}

const fmtMs = (v) => (v === Infinity ? 'lost' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const fmtInt = (v) => Math.round(v).toLocaleString('en');
const fmtPct = (v) => `${v.toFixed(0)}%`;
const cpuLine = (c) => `nodes ${c.nodes.map(fmtPct).join('/')} pg ${fmtPct(c.pg)} redis ${fmtPct(c.redis)} gen ${fmtPct(c.gen)} other ${fmtPct(c.other)}`;
const stepLine = (r) =>
  `${fmtInt(r.rate).padStart(6)} msg/s → ${fmtInt(r.deliveriesPerSec).padStart(7)} deliveries/s  p50 ${fmtMs(r.p50).padStart(6)}  p95 ${fmtMs(r.p95).padStart(6)}  p99 ${fmtMs(r.p99).padStart(6)} ms` +
  `  ack p99 ${fmtMs(r.ackP99).padStart(6)}  cpu ${cpuLine(r.cpu)}${r.disturbed ? ' (disturbed)' : ''}  bus pub/recv ${fmtInt(sum(r.counters, 'published'))}/${fmtInt(sum(r.counters, 'received'))}  ${r.ok ? 'ok' : `✗ ${r.problems.join('; ')}`}`;

/** realtimeLoad.mjs's stepped ramp: from half the nominal rate ×1.5 until a step fails (each failure run twice), then two steps halfway. */
async function ramp(ctx) {
  const steps = [];
  const once = async (rate, label) => {
    const r = await measureUndisturbed(ctx, rate, stepMs, (x) => {
      steps.push(x);
      console.log(`    ${label} ${stepLine(x)}`);
    });
    await settle(ctx.nodes);
    return r;
  };
  const run = async (rate) => {
    const r = await once(rate, 'ramp ');
    return r.ok ? r : once(rate, 'again');
  };
  let pass;
  let fail;
  let rate = nominalRate / 2;
  for (let i = 0; i < 20; i++) {
    const r = await run(rate);
    if (!r.ok) {
      fail = r;
      break;
    }
    pass = r;
    rate *= 1.5;
  }
  for (let i = 0; !pass && i < 3; i++) {
    const r = await run(fail.rate / 2);
    if (r.ok) pass = r;
    else fail = r;
  }
  for (let i = 0; pass && fail && i < 2 && !Object.keys(fail.lost).length; i++) {
    const r = await run(Math.sqrt(pass.rate * fail.rate));
    if (r.ok) pass = r;
    else fail = r;
  }
  return { steps, best: pass, firstFail: fail };
}

// --- one configuration ---------------------------------------------------------------------------

let databases = 0;
async function runConfig(pgServer, cfg) {
  const dbName = `scale_${++databases}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgServer.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(pgServer.adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  let redis;
  let nodes = [];
  let workers = [];
  try {
    if (cfg.redis) redis = await startRedisServer();
    const seeded = await seed(databaseUrl);
    console.log(`  seeded ${connections.toLocaleString('en')} users, ${rooms} rooms through SqlStorage in ${seeded.seconds.toFixed(1)} s`);
    nodes = await startNodes(cfg.nodes, databaseUrl, redis?.url);
    console.log(`  ${nodes.map((n) => `${n.name} :${n.port} pid ${n.pid}`).join(', ')}; postgres pid ${pgServer.pid}${redis ? `, redis-server pid ${redis.pid}` : ''}`);
    // Round-robin over the nodes' ports: user i on node i mod N, so every room spans every node.
    const specs = seeded.users.map((u) => ({ url: `ws://127.0.0.1:${nodes[u.i % nodes.length].port}/ws?ticket=${u.ticket}`, room: u.room, key: seeded.channels[u.room] }));
    workers = await startWorkers();
    // RelayDesk sets up at most 64 handshakes at once per node and refuses the rest with 1013.
    const concurrency = Math.max(1, Math.floor(48 / workers.length));
    const shares = Array.from({ length: workers.length }, () => []);
    specs.forEach((spec, i) => shares[i % workers.length].push(spec));
    const conn = await all(workers, 'connect', (k) => ({ specs: shares[k], rate: connectRate / workers.length, concurrency }));
    const connected = sum(conn, 'connected');
    const failed = {};
    for (const c of conn) for (const [reason, n] of Object.entries(c.failed)) failed[reason] = (failed[reason] ?? 0) + n;
    const connectSeconds = Math.max(...conn.map((c) => c.ms)) / 1000;
    console.log(`  ${connected}/${connections} connected in ${connectSeconds.toFixed(1)} s (${sum(conn, 'retries')} retries)${Object.keys(failed).length ? `, failed: ${JSON.stringify(failed)}` : ''}`);
    await settle(nodes);
    const ctx = { nodes, pgServer, redis, workers, connected };
    const main = await measureUndisturbed(ctx, nominalRate, durationMs, (x) => console.log(`    nominal ${stepLine(x)}`));
    await settle(nodes);
    const rampResult = opts['no-ramp'] ? undefined : await ramp(ctx);
    const held = sum(await all(workers, 'status'), 'open');
    return { ...cfg, connections, connected, failed, connectSeconds, held, seedSeconds: seeded.seconds, main, ramp: rampResult, nodesAlive: nodes.every((n) => n.alive()), load: os.loadavg() };
  } finally {
    await Promise.all(workers.map((w) => w.call('exit').catch(() => undefined)));
    await Promise.all(nodes.map((n) => n.close()));
    await redis?.stop();
    const drop = new pg.Client({ connectionString: pgServer.adminUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await drop.end();
  }
}

// --- report --------------------------------------------------------------------------------------

const labelOf = (cfg) => `${cfg.nodes} node${cfg.nodes > 1 ? 's' : ''}${cfg.redis ? ' + Redis' : ', no Redis'}`;

function printTable(results) {
  const rows = [
    ['connections held (end) / seeded', (r) => `${fmtInt(r.held)}/${fmtInt(r.connections)}`],
    ['connect time', (r) => `${r.connectSeconds.toFixed(1)} s`],
    ['offered msg/s', (r) => `${fmtInt(r.main.rate)}`],
    ['deliveries/s (delivered/expected)', (r) => `${fmtInt(r.main.deliveriesPerSec)} (${r.main.delivered}/${r.main.expected})`],
    ['delivery p50 / p95 / p99', (r) => `${fmtMs(r.main.p50)}/${fmtMs(r.main.p95)}/${fmtMs(r.main.p99)} ms`],
    ['send → ack p50 / p99', (r) => `${fmtMs(r.main.ackP50)}/${fmtMs(r.main.ackP99)} ms`],
    ['CPU per node', (r) => r.main.cpu.nodes.map(fmtPct).join(' / ')],
    ['CPU all nodes', (r) => fmtPct(r.main.cpu.nodes.reduce((a, b) => a + b, 0))],
    ['CPU postgres / redis-server', (r) => `${fmtPct(r.main.cpu.pg)} / ${r.redis ? fmtPct(r.main.cpu.redis) : '-'}`],
    ['CPU load generators / others', (r) => `${fmtPct(r.main.cpu.gen)} / ${fmtPct(r.main.cpu.other)}${r.main.disturbed ? ' (!)' : ''}`],
    ['events written per node', (r) => r.main.counters.map((c) => fmtInt(c.written)).join(' / ')],
    ['bus published / received (all nodes)', (r) => `${fmtInt(sum(r.main.counters, 'published'))} / ${fmtInt(sum(r.main.counters, 'received'))}`],
    ['node CPU ms per message', (r) => r.main.nodeCpuMsPerMessage.toFixed(2)],
    ['node CPU ms per 1,000 deliveries', (r) => r.main.nodeCpuMsPer1000Deliveries.toFixed(1)],
  ];
  if (results.some((r) => r.ramp)) {
    rows.push([`max deliveries/s at p99 ≤ ${barMs} ms`, (r) => (r.ramp?.best ? `${fmtInt(r.ramp.best.deliveriesPerSec)} @ ${fmtInt(r.ramp.best.rate)} msg/s` : 'none')]);
    rows.push(['  p99 / CPU nodes there', (r) => (r.ramp?.best ? `${fmtMs(r.ramp.best.p99)} ms / ${r.ramp.best.cpu.nodes.map(fmtPct).join('/')}` : '-')]);
    rows.push(['  pg / redis CPU there', (r) => (r.ramp?.best ? `${fmtPct(r.ramp.best.cpu.pg)} / ${r.redis ? fmtPct(r.ramp.best.cpu.redis) : '-'}` : '-')]);
    // Other work on the machine (not this benchmark) during the ramp: a ramp step that failed under it says little.
    rows.push(['  others\' CPU in ramp steps, max', (r) => (r.ramp ? fmtPct(Math.max(...r.ramp.steps.map((s) => s.cpu.other))) : '-')]);
    rows.push(['  ramp steps re-run (disturbed)', (r) => (r.ramp ? String(r.ramp.steps.filter((s) => s.disturbed).length) : '-')]);
    rows.push(['  first failing step', (r) => (r.ramp?.firstFail ? `${fmtInt(r.ramp.firstFail.rate)} msg/s, p99 ${fmtMs(r.ramp.firstFail.p99)}${r.ramp.firstFail.p99 === Infinity ? '' : ' ms'}` : '-')]);
  }
  const width = 36;
  const col = 26;
  console.log(`\n${connections.toLocaleString('en')} connections in rooms of ${roomSize}, nominal ${nominalRate} msg/s, ${durationMs / 1000} s`);
  console.log(`${''.padEnd(width)}${results.map((r) => labelOf(r).padStart(col)).join('')}`);
  for (const [label, f] of rows) console.log(`${label.padEnd(width)}${results.map((r) => f(r).padStart(col)).join('')}`);
}

// --- run -----------------------------------------------------------------------------------------

const configs = [...(opts['no-baseline'] ? [] : [{ nodes: 1, redis: false }]), ...nodeCounts.map((n) => ({ nodes: n, redis: true }))];
console.log(
  `scale-out load — node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}` +
    `\n${connections.toLocaleString('en')} connections, rooms of ${roomSize}, ${nominalRate} msg/s for ${durationMs / 1000} s, ramp steps ${stepMs / 1000} s${opts['no-ramp'] ? ' (ramp off)' : ''}, ` +
    `${workerCount} load generator process(es), connect ${connectRate}/s; configurations: ${configs.map(labelOf).join(', ')}`,
);
const results = [];
const started = new Date().toISOString();
let pgServer;
try {
  pgServer = await startPg();
  const version = (await (async () => {
    const c = new pg.Client({ connectionString: pgServer.adminUrl });
    await c.connect();
    const v = (await c.query('show server_version')).rows[0].server_version;
    await c.end();
    return v;
  })());
  console.log(`PostgreSQL ${version} (throwaway cluster: fsync off, synchronous_commit on), pid ${pgServer.pid}`);
  for (const cfg of configs) {
    console.log(`\n${labelOf(cfg)}  (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    try {
      results.push(await runConfig(pgServer, cfg));
    } catch (err) {
      console.error(`  ${labelOf(cfg)}: failed: ${err.stack ?? err}`);
    }
    await sleep(1000);
  }
} finally {
  await stopEverything();
}
report();
process.exit(0);

function report() {
  if (results.length) printTable(results);
  console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const jsonValue = (_key, value) => (value === Infinity ? 'lost' : value);
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ started, node: process.version, cores: os.cpus().length, opts, results }, jsonValue, 2));
}
