#!/usr/bin/env node
// Runs N RelayDesk nodes on one host, so a many-core machine uses its cores: one Node.js process
// is one event loop, about one core.
//
//   node scripts/cluster.mjs --nodes 4 --base-port 3001
//
// Node i (0-based) gets PORT=<base-port + i> and NODE_ID=<hostname>-<i>; everything else comes
// from this process's environment (and ./.env, read the way the server reads it). Put nginx or
// HAProxy in front (deploy/nginx, deploy/haproxy) with one upstream server per port.
//
// Why separate ports and not Node's `cluster` module sharing one port: each node keeps its own
// /ready, which the balancer checks per node. With one shared port a health check reaches
// whichever worker accepts it, so a node that is draining or has lost its database cannot be
// taken out of rotation on its own; and a node's /metrics would be a different worker's on every
// scrape. Separate processes on separate ports are also exactly what several machines look like,
// so the same balancer config works for both.
//
// Signals: SIGTERM / SIGINT are forwarded to every node; the launcher exits when all have exited
// (0 if they all exited cleanly), killing stragglers after --stop-timeout. SIGHUP restarts the
// nodes one at a time, waiting for each to answer /ready with 200 and then --settle ms before
// the next (a rolling restart, e.g. after `npm run build`).
//
// A node that exits on its own is restarted after a backoff (1 s, doubling, at most 30 s, with
// jitter). A node that ran for 60 s counts as healthy again. After 5 failed starts in a row the
// launcher stops every node and exits 1, so a supervisor (systemd) sees the failure rather than a
// launcher quietly running fewer nodes than asked.
//
// Plain Node.js ESM, no dependencies.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: node scripts/cluster.mjs [--nodes N] [--base-port PORT] [--entry FILE]
                               [--stop-timeout MS] [--settle MS] [--no-prefix]

  --nodes N          how many nodes (default: the number of CPU cores, ${os.availableParallelism()} here)
  --base-port PORT   node i listens on PORT+i (default 3001)
  --entry FILE       the server entry point (default packages/server/dist/main.js)
  --stop-timeout MS  after SIGTERM/SIGINT, SIGKILL nodes still running after this long
                     (default DRAIN_DELAY_MS + SHUTDOWN_GRACE_MS + 5000)
  --settle MS        rolling restart: after a node answers /ready, wait this long before
                     stopping the next one, so the balancer has put it back (default 10000)
  --no-prefix        pass node output through unchanged (each JSON log line carries NODE_ID)

Requires DATABASE_URL=postgres://... and REDIS_URL=redis://... in the environment or ./.env.
SIGTERM/SIGINT stop all nodes; SIGHUP restarts them one at a time (rolling).`;

const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
const MAX_FAILED_STARTS = 5;
const READY_TIMEOUT_MS = 60_000;

function fail(message) {
  process.stderr.write(`cluster: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { nodes: os.availableParallelism(), basePort: 3001, entry: null, stopTimeout: null, settle: 10_000, prefix: true };
  const intArg = (name, value, min, max) => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min || n > max) {
      fail(`${name} needs an integer from ${min} to ${max} (got ${value === undefined ? 'nothing' : JSON.stringify(value)})\n\n${USAGE}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--nodes': opts.nodes = intArg(flag, value(), 1, 256); break;
      case '--base-port': opts.basePort = intArg(flag, value(), 1, 65535); break;
      case '--entry': opts.entry = value(); break;
      case '--stop-timeout': opts.stopTimeout = intArg(flag, value(), 0, 3_600_000); break;
      case '--settle': opts.settle = intArg(flag, value(), 0, 600_000); break;
      case '--no-prefix': opts.prefix = false; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: fail(`unknown argument ${JSON.stringify(argv[i])}\n\n${USAGE}`);
    }
  }
  if (opts.basePort + opts.nodes - 1 > 65535) fail(`--base-port ${opts.basePort} + ${opts.nodes} nodes goes past port 65535`);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

// The server reads ./.env itself (real environment variables win); read it here the same way so
// the checks below see what the nodes will see.
if (fs.existsSync('.env')) process.loadEnvFile('.env');

const problems = [];
if (!/^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')) {
  problems.push(
    process.env.DATABASE_URL
      ? `DATABASE_URL is ${JSON.stringify(process.env.DATABASE_URL.replace(/\/\/[^@/]*@/, '//***@'))}, not a postgres:// URL.`
      : 'DATABASE_URL is not set.',
  );
}
if (!/^rediss?:\/\//.test(process.env.REDIS_URL ?? '')) {
  problems.push(process.env.REDIS_URL ? 'REDIS_URL is not a redis:// or rediss:// URL.' : 'REDIS_URL is not set.');
}
if (problems.length > 0) {
  fail(
    `refusing to start ${opts.nodes} node(s):\n  - ${problems.join('\n  - ')}\n\n` +
      'Several nodes must share one PostgreSQL database (DATABASE_URL=postgres://...) and one Redis\n' +
      '(REDIS_URL=redis://...). SQLite is a file that one process writes, and without Redis the\n' +
      'real-time fan-out, presence, typing, connection caps and rate limits stay inside each\n' +
      'process: users connected to different nodes would not see each other live. For a single\n' +
      'node without them, run `node packages/server/dist/main.js` instead.',
  );
}

const entry = path.resolve(opts.entry ?? path.join(repoRoot, 'packages/server/dist/main.js'));
if (!fs.existsSync(entry)) fail(`${entry} does not exist; run \`npm run build\` first (or pass --entry).`);

const envMs = (name, fallback) => {
  const n = Number(process.env[name]);
  return Number.isFinite(n) && process.env[name] !== '' ? n : fallback;
};
const stopTimeoutMs = opts.stopTimeout ?? envMs('DRAIN_DELAY_MS', 2000) + envMs('SHUTDOWN_GRACE_MS', 10_000) + 5000;
// /ready is probed on loopback unless the nodes bind one specific address.
const probeHost = !process.env.HOST || ['0.0.0.0', '::'].includes(process.env.HOST) ? '127.0.0.1' : process.env.HOST;
const hostname = os.hostname();

function log(message) {
  process.stderr.write(`cluster: ${message}\n`);
}

/** One supervised node: its id, port, current child process and restart state. */
const nodes = Array.from({ length: opts.nodes }, (_, i) => ({
  index: i,
  id: `${hostname}-${i}`,
  port: opts.basePort + i,
  child: null,
  startedAt: 0,
  failedStarts: 0,
  restartTimer: null,
  // Set while the launcher itself stops this node (shutdown or rolling restart), so its exit is
  // not taken for a crash.
  expectingExit: false,
  exitWaiters: [],
}));

let shuttingDown = false;
let exitCode = 0;

function pipeLines(stream, out, prefix) {
  if (!opts.prefix) {
    stream.pipe(out, { end: false });
    return;
  }
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(`[${prefix}] ${line}\n`));
}

function start(node) {
  node.restartTimer = null;
  node.expectingExit = false;
  node.startedAt = Date.now();
  const child = spawn(process.execPath, [...process.execArgv, entry], {
    cwd: process.cwd(),
    env: { ...process.env, PORT: String(node.port), NODE_ID: node.id },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  node.child = child;
  pipeLines(child.stdout, process.stdout, node.id);
  pipeLines(child.stderr, process.stderr, node.id);
  log(`started ${node.id} (pid ${child.pid}) on port ${node.port}`);

  child.on('error', (err) => log(`${node.id}: could not start: ${err.message}`));
  child.on('exit', (code, signal) => {
    node.child = null;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const waiters = node.exitWaiters.splice(0);
    for (const resolve of waiters) resolve({ code, signal });
    if (node.expectingExit || shuttingDown) {
      log(`${node.id} exited (${how})`);
      if (shuttingDown && code !== 0) exitCode = 1;
      maybeExit();
      return;
    }
    // Exited on its own: a crash, or someone signalled the node directly. Keep N nodes running.
    const ranFor = Date.now() - node.startedAt;
    node.failedStarts = ranFor >= HEALTHY_AFTER_MS ? 1 : node.failedStarts + 1;
    if (node.failedStarts >= MAX_FAILED_STARTS) {
      log(`${node.id} exited (${how}) ${node.failedStarts} times in a row, each within ${HEALTHY_AFTER_MS / 1000} s of starting; giving up and stopping every node`);
      exitCode = 1;
      shutdown('SIGTERM');
      return;
    }
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (node.failedStarts - 1));
    const delay = Math.round(backoff * (0.5 + Math.random() * 0.5));
    log(`${node.id} exited (${how}) after ${(ranFor / 1000).toFixed(1)} s; restarting in ${delay} ms (attempt ${node.failedStarts} of ${MAX_FAILED_STARTS - 1})`);
    node.restartTimer = setTimeout(() => start(node), delay);
  });
}

function waitForExit(node) {
  return node.child ? new Promise((resolve) => node.exitWaiters.push(resolve)) : Promise.resolve(null);
}

function maybeExit() {
  if (shuttingDown && nodes.every((n) => n.child === null)) {
    log(`all nodes stopped; exiting ${exitCode}`);
    process.exit(exitCode);
  }
}

function shutdown(signal) {
  if (shuttingDown) {
    // A second Ctrl-C or SIGTERM: pass it on again (the nodes ignore repeats) and keep waiting.
    for (const n of nodes) n.child?.kill(signal);
    return;
  }
  shuttingDown = true;
  log(`${signal}: stopping ${nodes.filter((n) => n.child).length} node(s)`);
  for (const n of nodes) {
    if (n.restartTimer) clearTimeout(n.restartTimer);
    n.restartTimer = null;
    n.child?.kill(signal);
  }
  setTimeout(() => {
    for (const n of nodes) {
      if (n.child) {
        log(`${n.id} still running after ${stopTimeoutMs} ms; SIGKILL`);
        exitCode = 1;
        n.child.kill('SIGKILL');
      }
    }
  }, stopTimeoutMs).unref();
  maybeExit();
}

function probeReady(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: probeHost, port, path: '/ready', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function waitReady(node) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !shuttingDown) {
    if (node.child && (await probeReady(node.port))) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

let rolling = false;
async function rollingRestart() {
  if (rolling || shuttingDown) return;
  rolling = true;
  log('SIGHUP: rolling restart, one node at a time');
  try {
    for (const node of nodes) {
      if (shuttingDown) return;
      if (node.child) {
        node.expectingExit = true;
        const exited = waitForExit(node);
        node.child.kill('SIGTERM');
        await exited;
      }
      if (shuttingDown) return;
      if (node.restartTimer) clearTimeout(node.restartTimer);
      node.failedStarts = 0;
      start(node);
      if (!(await waitReady(node))) {
        log(`${node.id} did not answer /ready with 200 within ${READY_TIMEOUT_MS / 1000} s; rolling restart stopped here (the remaining nodes keep running the old code)`);
        return;
      }
      log(`${node.id} is ready`);
      // Ready is not yet back in rotation: HAProxy needs `rise` good checks (2 x 2 s in
      // deploy/haproxy), and nginx's passive checks keep a node that failed out for
      // fail_timeout (5 s in deploy/nginx) even when it is back. Stopping the next node sooner
      // can leave the balancer with no node it believes in (nginx: 502 "no live upstreams").
      if (node !== nodes.at(-1) && opts.settle > 0) await new Promise((r) => setTimeout(r, opts.settle));
    }
    log('rolling restart done');
  } finally {
    rolling = false;
  }
}

// If the launcher itself dies of an error, do not leave its nodes running unsupervised.
process.on('exit', () => {
  for (const n of nodes) n.child?.kill('SIGTERM');
});
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGHUP', () => void rollingRestart());

log(`starting ${opts.nodes} node(s) on ports ${opts.basePort}-${opts.basePort + opts.nodes - 1} (${entry})`);
for (const node of nodes) start(node);
