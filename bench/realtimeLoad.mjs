#!/usr/bin/env node
// Real-time load: real authenticated WebSocket connections to the real server (its own process,
// SQLite in a temporary DATA_DIR, every message persisted before its ack), side by side with a
// minimal plain-`ws` room-broadcast server and a minimal Socket.IO one, in the same run:
//   (a) 10,000 idle connections (rooms of 50), then a light probe of 0.1 message/s per room;
//   (b) 5,000 connections in rooms of 50, 500 messages/s in all;
//   (c) one room of 2,000 connections, 20 messages/s.
// For each: connections held, server memory per idle connection (VmRSS read in the server process
// after a full GC, at half and at all connections: the slope), delivery latency p50/p95/p99 (send → receipt on every
// connection of the room, sender and receivers timed on the machine's monotonic clock) and
// deliveries/s; for (b) and (c) also the most deliveries/s each server sustains with p99 within
// the bar (a stepped ramp), then the ratios against the targets. Run by hand, not by `npm test`:
//   npm run build && node bench/realtimeLoad.mjs [--scenario a|b|c|all] [--target relaydesk|ws|socketio|all]
//     [--scale 1] [--duration 10] [--step 4] [--no-ramp] [--workers cores-1] [--client lean|ws] [--connect-rate 500]
//     [--p99 50] [--tickets seed|http] [--workspaces per-room|one] [--cpu-prof] [--json results.json]
// Scenarios and targets may be lists (--scenario b,c). See docs/performance.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import Database from '../packages/server/node_modules/better-sqlite3/lib/index.js';
import { Histogram } from './realtime/histogram.mjs';
import { children, spawnNode, starters, tempDirs } from './realtime/targets.mjs';
import { summarizeProfile } from './realtime/profileSummary.mjs';

const { values: opts } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    target: { type: 'string', default: 'all' },
    scale: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    step: { type: 'string', default: '4' },
    'no-ramp': { type: 'boolean', default: false },
    // One generator per core the server does not use: on two cores, two generators and the server
    // took turns on the CPU and (c)'s p99 doubled for every server (see docs/performance.md).
    workers: { type: 'string', default: String(Math.max(1, os.availableParallelism() - 1)) },
    client: { type: 'string', default: 'lean' },
    'connect-rate': { type: 'string', default: '500' },
    p99: { type: 'string', default: '50' },
    tickets: { type: 'string', default: 'seed' },
    workspaces: { type: 'string', default: 'per-room' },
    'cpu-prof': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const list = (value, all) => (value === 'all' ? all : value.split(',').map((s) => s.trim()));
const scenarioKeys = list(opts.scenario, ['a', 'b', 'c']);
const targetNames = list(opts.target, ['relaydesk', 'ws', 'socketio']);
const scale = Number(opts.scale);
const durationMs = Number(opts.duration) * 1000;
const stepMs = Number(opts.step) * 1000;
const workerCount = Math.max(1, Number(opts.workers));
const connectRate = Number(opts['connect-rate']);
const barMs = Number(opts.p99);
for (const k of scenarioKeys) if (!['a', 'b', 'c'].includes(k)) throw new Error(`unknown scenario ${k}`);
for (const t of targetNames) if (!starters[t]) throw new Error(`unknown target ${t}`);
if (!['lean', 'ws'].includes(opts.client)) throw new Error('--client is lean or ws');
if (!['seed', 'http'].includes(opts.tickets)) throw new Error('--tickets is seed or http');
if (!['per-room', 'one'].includes(opts.workspaces)) throw new Error('--workspaces is per-room or one');
if (!(scale > 0 && durationMs > 0 && stepMs > 0 && connectRate > 0 && barMs > 0)) throw new Error('bad numeric option');

const here = path.dirname(fileURLToPath(import.meta.url));
const profileDir = opts['cpu-prof'] ? fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-prof-')) : undefined;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Counts scaled by --scale; rooms are always full. */
function scenarioOf(key) {
  if (key === 'a') {
    const rooms = Math.max(1, Math.round((10_000 * scale) / 50));
    return { key, title: `(a) ${(rooms * 50).toLocaleString('en')} idle connections, rooms of 50`, connections: rooms * 50, roomSize: 50, rooms, rate: Math.max(1, rooms * 0.1), load: 'probe' };
  }
  if (key === 'b') {
    const rooms = Math.max(1, Math.round((5_000 * scale) / 50));
    return { key, title: `(b) ${(rooms * 50).toLocaleString('en')} connections in rooms of 50, ${rooms * 5} msg/s`, connections: rooms * 50, roomSize: 50, rooms, rate: rooms * 5, load: 'nominal' };
  }
  const n = Math.max(2, Math.round(2_000 * scale));
  return { key, title: `(c) one room of ${n.toLocaleString('en')}, 20 msg/s`, connections: n, roomSize: n, rooms: 1, rate: 20, load: 'nominal' };
}

// --- load generators ---------------------------------------------------------------------------

async function startWorkers(proto) {
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
    await call('init', { proto, workerId: k, client: opts.client });
    workers.push({ child, call });
  }
  return workers;
}

const all = (workers, cmd, args) => Promise.all(workers.map((w, k) => w.call(cmd, typeof args === 'function' ? args(k) : args)));
const sum = (parts, key) => parts.reduce((s, p) => s + p[key], 0);

/** Machine-wide busy CPU time (ms) from /proc/stat, to show what else ran meanwhile. */
function machineBusyMs() {
  const [, ...f] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) * 10;
}

function workerCpuMs(workers) {
  let ms = 0;
  for (const w of workers) {
    try {
      const fields = fs.readFileSync(`/proc/${w.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // exited
    }
  }
  return ms;
}

/**
 * Waits until the server is quiet (under 10 % of a core over half a second), at most `maxMs`:
 * what a step or a connection storm left queued must not spill into the next measurement.
 */
async function settle(target, maxMs = 60_000) {
  const t0 = performance.now();
  for (;;) {
    const c0 = target.cpuMs();
    await sleep(500);
    const pct = ((target.cpuMs() - c0) / 500) * 100;
    if (pct < 10 || performance.now() - t0 > maxMs) return pct;
  }
}

/**
 * One measured step: every worker sends `rate / workers` msg/s for `ms`, then deliveries drain
 * for up to 2 s. Undelivered ones count as infinitely late in the percentiles.
 */
let stepIds = 0;
async function measure(ctx, rate, ms) {
  const { target, workers, connected, sc } = ctx;
  const id = ++stepIds;
  const windowStart = Number(process.hrtime.bigint() / 1000n);
  const before = await all(workers, 'status');
  const t0 = performance.now();
  const cpu0 = { server: target.cpuMs(), gen: workerCpuMs(workers), machine: machineBusyMs(), self: process.cpuUsage() };
  const sent = await all(workers, 'step', { id, rate: rate / workers.length, durationMs: ms });
  const elapsed = performance.now() - t0;
  const self = process.cpuUsage(cpu0.self);
  const cpu = {
    server: target.cpuMs() - cpu0.server,
    gen: workerCpuMs(workers) - cpu0.gen,
    machine: machineBusyMs() - cpu0.machine,
    self: (self.user + self.system) / 1000,
  };
  const messages = sum(sent, 'sent');
  // Rooms take turns, so each receives messages/rooms; every connected member gets each one.
  const expected = Math.round(messages * (connected / sc.rooms));
  const drainUntil = performance.now() + Math.max(2000, 10 * barMs);
  while (performance.now() < drainUntil && sum(await all(workers, 'count', { id }), 'delivered') < expected) await sleep(50);
  const parts = await all(workers, 'collect', { id });
  const after = await all(workers, 'status');
  ctx.windows.push([windowStart, Number(process.hrtime.bigint() / 1000n)]);
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
    frameBytes: delivered ? Math.round(sum(parts, 'frameBytes') / delivered) : 0,
    serverCpu: (cpu.server / elapsed) * 100,
    generatorCpu: (cpu.gen / elapsed) * 100,
    otherCpu: Math.max(0, ((cpu.machine - cpu.server - cpu.gen - cpu.self) / elapsed) * 100),
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
  return r;
}

const fmtMs = (v) => (v === Infinity ? 'lost' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const fmtInt = (v) => Math.round(v).toLocaleString('en');
const kib = (b) => `${(b / 1024).toFixed(2)} KiB`;
const stepLine = (r) =>
  `${fmtInt(r.rate).padStart(6)} msg/s → ${fmtInt(r.deliveriesPerSec).padStart(7)} deliveries/s  p50 ${fmtMs(r.p50).padStart(6)}  p95 ${fmtMs(r.p95).padStart(6)}  p99 ${fmtMs(r.p99).padStart(6)} ms` +
  `  ack p99 ${fmtMs(r.ackP99).padStart(6)}  cpu server ${r.serverCpu.toFixed(0).padStart(3)}% gen ${r.generatorCpu.toFixed(0).padStart(3)}% other ${r.otherCpu.toFixed(0).padStart(3)}%` +
  `  ${r.ok ? 'ok' : `✗ ${r.problems.join('; ')}`}`;

/**
 * The most deliveries/s with p99 within the bar: steps from half the nominal rate up by ×1.5
 * until one fails (down by ×0.5 if the first fails), then two steps halfway (geometrically)
 * between the best pass and the first failure. A step that fails is run once more before it
 * counts as failed: on a shared two-core machine one stall of the generators (seen failing plain
 * `ws` at a rate it held at the next step up) would otherwise end the ramp for any server.
 */
async function ramp(ctx) {
  const steps = [];
  const once = async (rate, label) => {
    const r = await measure(ctx, rate, stepMs);
    steps.push(r);
    console.log(`    ${label} ${stepLine(r)}`);
    await settle(ctx.target); // let a backlog clear before the next step
    return r;
  };
  const run = async (rate) => {
    const r = await once(rate, 'ramp ');
    return r.ok ? r : once(rate, 'again');
  };
  let pass;
  let fail;
  let rate = ctx.sc.rate / 2;
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

/**
 * The machine's state right now: the latency of 200 small durable SQLite commits in the temp
 * directory (WAL, synchronous=FULL, as the server commits each message), and CPU pressure.
 */
function machineProbe() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-fsync-'));
  try {
    const db = new Database(path.join(dir, 'probe.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table t (id integer primary key, body text)');
    const insert = db.prepare('insert into t (body) values (?)');
    const hist = new Histogram();
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      insert.run('x'.repeat(100));
      hist.record((performance.now() - t0) * 1000);
    }
    db.close();
    const psi = /some avg10=([\d.]+)/.exec(fs.existsSync('/proc/pressure/cpu') ? fs.readFileSync('/proc/pressure/cpu', 'utf8') : '')?.[1];
    return { p50: hist.quantileMs(0.5), p99: hist.quantileMs(0.99), cpuPressure: psi === undefined ? undefined : Number(psi), load: os.loadavg()[0] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const probeLine = (p) => `SQLite commit p50 ${fmtMs(p.p50)} ms, p99 ${fmtMs(p.p99)} ms; load average ${p.load.toFixed(2)}${p.cpuPressure === undefined ? '' : `; CPU pressure (some, 10 s) ${p.cpuPressure}%`}`;

async function runTarget(sc, name) {
  const commitProbe = machineProbe();
  console.log(`  ${name}: machine before the run: ${probeLine(commitProbe)}`);
  const profile = profileDir ? path.join(profileDir, `${sc.key}-${name}.cpuprofile`) : undefined;
  const serverArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${path.basename(profile)}`] : [];
  console.log(`  ${name}: starting (${sc.connections.toLocaleString('en')} connections, ${workerCount} load generator processes)`);
  const target = await starters[name](sc, { serverArgs, tickets: opts.tickets, workspaces: opts.workspaces });
  const workers = await startWorkers(name);
  const windows = [];
  try {
    // Memory is read with no connection, at half of them and at all of them (after a full GC
    // each time). Per connection is the slope over the second half: the first half also soaks up
    // memory the process had already reserved (freed after start-up), which is not a cost per
    // connection. The figure from zero is kept for reference.
    const memEmpty = await target.memory();
    // RelayDesk sets up at most 64 handshakes at once and refuses the rest with 1013.
    const concurrency = Math.max(1, Math.floor(48 / workers.length));
    const half = Math.floor(target.specs.length / 2);
    const failed = {};
    let connected = 0;
    let connectSeconds = 0;
    let retries = 0;
    const mem = [];
    for (const specs of [target.specs.slice(0, half), target.specs.slice(half)]) {
      const shares = Array.from({ length: workers.length }, () => []);
      specs.forEach((spec, i) => shares[i % workers.length].push(spec));
      const conn = await all(workers, 'connect', (k) => ({ specs: shares[k], rate: connectRate / workers.length, concurrency }));
      connected += sum(conn, 'connected');
      retries += sum(conn, 'retries');
      connectSeconds += Math.max(...conn.map((c) => c.ms)) / 1000;
      for (const c of conn) for (const [reason, n] of Object.entries(c.failed)) failed[reason] = (failed[reason] ?? 0) + n;
      await settle(target);
      mem.push({ connected, ...(await target.memory()) });
    }
    console.log(`  ${name}: ${connected}/${sc.connections} connected in ${connectSeconds.toFixed(1)} s (${retries} retries after 1013/errors)${Object.keys(failed).length ? `, failed: ${JSON.stringify(failed)}` : ''}`);
    const [memHalf, memAll] = mem;
    const slope = (f) => (memAll.connected > memHalf.connected ? (f(memAll) - f(memHalf)) / (memAll.connected - memHalf.connected) : NaN);
    const heap = (m) => m.heapUsed + m.external;
    const memory = {
      rssEmpty: memEmpty.rss,
      rssHalf: memHalf.rss,
      rssAll: memAll.rss,
      rssPerConnection: slope((m) => m.rss),
      heapPerConnection: slope(heap),
      rssPerConnectionFromEmpty: connected ? (memAll.rss - memEmpty.rss) / connected : NaN,
    };
    console.log(
      `  ${name}: RSS ${(memEmpty.rss / 1e6).toFixed(1)} → ${(memHalf.rss / 1e6).toFixed(1)} → ${(memAll.rss / 1e6).toFixed(1)} MB (none, half, all connected): ` +
        `${kib(memory.rssPerConnection)} per connection over the second half (V8 heap + external ${kib(memory.heapPerConnection)}; from empty ${kib(memory.rssPerConnectionFromEmpty)})`,
    );
    const ctx = { sc, target, workers, connected, windows };
    if (sc.key === 'a') await sleep(durationMs); // held idle
    const main = await measure(ctx, sc.rate, durationMs);
    console.log(`    ${sc.load.padEnd(7)}${stepLine(main)}`);
    await settle(target);
    const rampResult = sc.key !== 'a' && !opts['no-ramp'] ? await ramp(ctx) : undefined;
    const status = await all(workers, 'status');
    const held = sum(status, 'open');
    return { target: name, connections: sc.connections, connected, failed, connectSeconds, held, memory, commitProbe, main, ramp: rampResult, serverAlive: target.alive(), profile, windows };
  } finally {
    await Promise.all(workers.map((w) => w.call('exit').catch(() => undefined)));
    await target.close();
  }
}

// --- report ------------------------------------------------------------------------------------

function printScenario(sc, results) {
  const names = Object.keys(results);
  if (names.length === 0) return;
  const rows = [
    ['connections held (end)', (r) => `${r.held.toLocaleString('en')}/${r.connections.toLocaleString('en')}`],
    ['connect time', (r) => `${r.connectSeconds.toFixed(1)} s`],
    ['server RSS per idle connection', (r) => kib(r.memory.rssPerConnection)],
    ['  V8 heap + external per connection', (r) => kib(r.memory.heapPerConnection)],
    ['  RSS per connection from empty', (r) => kib(r.memory.rssPerConnectionFromEmpty)],
    ['SQLite commit p50 / p99 before the run', (r) => `${fmtMs(r.commitProbe.p50)} / ${fmtMs(r.commitProbe.p99)} ms`],
    [`delivery p50 / p95 / p99 (${sc.load} ${fmtInt(sc.rate)} msg/s)`, (r) => `${fmtMs(r.main.p50)} / ${fmtMs(r.main.p95)} / ${fmtMs(r.main.p99)} ms`],
    ['deliveries/s (delivered / expected)', (r) => `${fmtInt(r.main.deliveriesPerSec)} (${r.main.delivered}/${r.main.expected})`],
    ['send → ack p50 / p99', (r) => `${fmtMs(r.main.ackP50)} / ${fmtMs(r.main.ackP99)} ms`],
    ['event frame size', (r) => `${r.main.frameBytes} B`],
    ['CPU: server / generators / others', (r) => `${r.main.serverCpu.toFixed(0)}% / ${r.main.generatorCpu.toFixed(0)}% / ${r.main.otherCpu.toFixed(0)}%`],
  ];
  if (names.some((n) => results[n].ramp)) {
    rows.push([`max sustained deliveries/s (p99 ≤ ${barMs} ms)`, (r) => (r.ramp?.best ? `${fmtInt(r.ramp.best.deliveriesPerSec)} @ ${fmtInt(r.ramp.best.rate)} msg/s` : 'none')]);
    rows.push(['  p99 there', (r) => (r.ramp?.best ? `${fmtMs(r.ramp.best.p99)} ms` : '-')]);
  }
  const width = 46;
  const col = 24;
  console.log(`\n${sc.title}`);
  console.log(`${''.padEnd(width)}${names.map((n) => n.padStart(col)).join('')}`);
  for (const [label, f] of rows) console.log(`${label.padEnd(width)}${names.map((n) => f(results[n]).padStart(col)).join('')}`);
}

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
const verdict = (ok) => (ok ? 'PASS' : 'MISS');
function targetChecks(all) {
  const lines = [];
  const rd = (k) => all[k]?.relaydesk;
  for (const k of ['a', 'b', 'c']) {
    const r = rd(k);
    const ws = all[k]?.ws;
    if (r && ws) {
      const x = ratio(r.memory.rssPerConnection, ws.memory.rssPerConnection);
      const h = ratio(r.memory.heapPerConnection, ws.memory.heapPerConnection);
      lines.push(
        `(${k}) memory per idle connection (RSS), relaydesk / ws: ${kib(r.memory.rssPerConnection)} / ${kib(ws.memory.rssPerConnection)} = ${x.toFixed(2)}x (target ≤ 1.5x) ${verdict(x <= 1.5)}` +
          ` [V8 heap + external alone: ${h.toFixed(2)}x]`,
      );
    }
  }
  for (const k of ['b', 'c']) {
    const r = rd(k);
    if (!r) continue;
    lines.push(`(${k}) p99 delivery at ${fmtInt(r.main.rate)} msg/s: ${fmtMs(r.main.p99)} ms (target < ${barMs} ms) ${verdict(r.main.p99 < barMs)}`);
    const sio = all[k]?.socketio;
    if (r.ramp && sio?.ramp) {
      const a = r.ramp.best?.deliveriesPerSec ?? 0;
      const b = sio.ramp.best?.deliveriesPerSec ?? 0;
      const x = ratio(a, b);
      lines.push(`(${k}) sustained deliveries/s at p99 ≤ ${barMs} ms, relaydesk / socketio: ${fmtInt(a)} / ${fmtInt(b)} = ${x.toFixed(2)}x (target ≥ 2x) ${verdict(x >= 2)}`);
    }
    const ws = all[k]?.ws;
    if (r.ramp && ws?.ramp) {
      const x = ratio(r.ramp.best?.deliveriesPerSec ?? 0, ws.ramp.best?.deliveriesPerSec ?? 0);
      lines.push(`(${k}) (for reference) sustained deliveries/s, relaydesk / ws: ${x.toFixed(2)}x`);
    }
  }
  return lines;
}

// --- run ---------------------------------------------------------------------------------------

async function stopEverything() {
  const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(exits);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}
// Interrupted: end every child and remove every temporary directory at once (synchronously, so
// that nothing still running in the main flow can get in the way), then exit.
process.on('SIGINT', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  process.exit(130);
});

console.log(
  `realtime load — node ${process.version}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}` +
    `\nscale ${scale}, ${durationMs / 1000} s per measurement, ramp steps ${stepMs / 1000} s${opts['no-ramp'] ? ' (ramp off)' : ''}, ${workerCount} load generator processes, connect ${connectRate}/s, tickets: ${opts.tickets}`,
);
console.log(`machine: ${probeLine(machineProbe())}`);
const results = {};
const started = new Date().toISOString();
try {
  for (const key of scenarioKeys) {
    const sc = scenarioOf(key);
    console.log(`\n${sc.title}`);
    results[key] = {};
    for (const name of targetNames) {
      try {
        results[key][name] = await runTarget(sc, name);
      } catch (err) {
        console.error(`  ${name}: failed: ${err.stack ?? err}`);
        await stopEverything();
      }
      await sleep(2000);
    }
    printScenario(sc, results[key]);
  }
} finally {
  await stopEverything();
}

const checks = targetChecks(results);
if (checks.length) console.log(`\nTargets (RelayDesk)\n${checks.map((l) => `  ${l}`).join('\n')}`);
console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
// Infinity (a percentile that includes deliveries that never came) would become null in JSON.
const jsonValue = (_key, value) => (value === Infinity ? 'lost' : value);
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ started, node: process.version, cores: os.cpus().length, opts, results, checks }, jsonValue, 2));
for (const [key, byTarget] of Object.entries(results)) {
  for (const r of Object.values(byTarget)) {
    if (!r.profile || !fs.existsSync(r.profile)) continue;
    console.log(`\nCPU profile of ${r.target} in (${key}), during the measured steps: ${r.profile}`);
    console.log(summarizeProfile(r.profile, { windows: r.windows }));
  }
}
