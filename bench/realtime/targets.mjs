// The three servers under test for bench/realtimeLoad.mjs, each started in its own child process
// with the memory probe preloaded: RelayDesk as `npm start` runs it (packages/server/dist, SQLite
// in a temporary DATA_DIR, every commit synced before its ack), the plain-ws baseline, and the Socket.IO baseline.
// `start*` returns the connection specs for the load generators and handles on the process.
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from '../../packages/server/node_modules/better-sqlite3/lib/index.js';
import { loadConfig } from '../../packages/server/dist/config/env.js';
import { SqlStorage } from '../../packages/server/dist/storage/sql/sqlStorage.js';
import { PasswordHasher } from '../../packages/server/dist/auth/passwords.js';
import { AccessTokens } from '../../packages/server/dist/auth/accessTokens.js';
import { hashToken, randomToken } from '../../packages/server/dist/auth/secrets.js';
import { Limits } from '@relaydesk/protocol';
import { roomId, userId } from './message.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
/** Open files for every child: 10,000 sockets plus SQLite and the rest. */
export const NOFILE = 65_536;

/** Every child process this run started and every temporary directory, so an interrupted run can clean up. */
export const children = new Set();
export const tempDirs = new Set();

/** Runs node in a child with a raised open-file limit (bash's ulimit, then exec: same pid). */
export function spawnNode(args, { env, stdio }) {
  const child = spawn(
    'bash',
    ['-c', `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`, 'bash', process.execPath, ...args],
    { env: { PATH: process.env.PATH, ...env }, stdio, cwd: root },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Server CPU time so far, from /proc (ms). */
export function cpuMsOf(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
  } catch {
    return NaN;
  }
}

/** Handles common to the three: memory over IPC, CPU from /proc, stop. */
function handle(name, child, extra) {
  let memoryRequests = 0;
  return {
    name,
    pid: child.pid,
    ...extra,
    memory() {
      const id = ++memoryRequests;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no memory answer`)), 30_000);
        const onMessage = (m) => {
          if (m?.type !== 'bench:memory' || m.id !== id) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        child.send({ type: 'bench:memory', id });
      });
    },
    cpuMs: () => cpuMsOf(child.pid),
    alive: () => child.exitCode === null && child.signalCode === null,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      await extra.cleanup?.();
    },
  };
}

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

const probe = path.join(here, 'memoryProbe.mjs');
const nodeArgs = (extra) => ['--expose-gc', '--import', probe, ...extra];

// --- RelayDesk ---------------------------------------------------------------------------------

/**
 * Seeds a fresh database straight through SQLite (the server is not running yet; the schema is
 * the server's own, from its migrations): one public channel per room, one user per connection,
 * member of exactly its room's channel, with a session and a single-use WebSocket ticket made the
 * way the server makes them (`randomToken`, stored as `hashToken`, 5-minute TTL). Workspaces:
 * one per room (teams of the room's size; the default), or `one` holding everybody — then every
 * connection hears the presence of every user of the workspace, which makes connecting N users
 * cost O(N²) presence frames.
 */
async function seedRelayDesk(dataDir, { connections, roomSize }, workspaces) {
  await (await SqlStorage.open(undefined, dataDir)).close();
  const db = new Database(path.join(dataDir, 'relaydesk.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // seeding only; the server syncs every commit
  const now = Date.now();
  const passwordHash = await new PasswordHasher(8192).hash(randomBytes(16).toString('hex'));
  const rooms = Math.ceil(connections / roomSize);
  const users = Array.from({ length: connections }, (_, i) => ({ id: randomUUID(), sessionId: randomUUID(), room: Math.floor(i / roomSize), ticket: randomToken() }));
  const channels = Array.from({ length: rooms }, () => randomUUID());
  const workspaceIds = Array.from({ length: workspaces === 'one' ? 1 : rooms }, () => randomUUID());
  const workspaceOf = (room) => workspaceIds[workspaces === 'one' ? 0 : room];
  const insertUser = db.prepare('insert into users (id, username, email, email_lower, display_name, password_hash, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertWsMember = db.prepare('insert into workspace_members (workspace_id, user_id, role, joined_at) values (?, ?, ?, ?)');
  const insertChannel = db.prepare('insert into channels (id, workspace_id, kind, name, slug, topic, created_by, created_at, last_seq) values (?, ?, ?, ?, ?, ?, ?, ?, 0)');
  const insertMember = db.prepare('insert into channel_members (channel_id, user_id, joined_at, last_read_seq) values (?, ?, ?, 0)');
  const insertSession = db.prepare('insert into sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at, user_agent, ip) values (?, ?, ?, ?, ?, null, ?, ?)');
  const insertTicket = db.prepare('insert into ws_tickets (ticket_hash, user_id, session_id, created_at, expires_at, used_at) values (?, ?, ?, ?, ?, null)');
  db.transaction(() => {
    users.forEach((u, i) => {
      const name = `load_user_${i}`;
      insertUser.run(u.id, name, `${name}@bench.example`, `${name}@bench.example`, name, passwordHash, now, now);
    });
    const insertWorkspace = db.prepare('insert into workspaces (id, name, created_by, created_at) values (?, ?, ?, ?)');
    workspaceIds.forEach((id, w) => insertWorkspace.run(id, `Load ${w}`, users[w * roomSize].id, now));
    users.forEach((u, i) => insertWsMember.run(workspaceOf(u.room), u.id, i % (workspaces === 'one' ? connections : roomSize) === 0 ? 'owner' : 'member', now));
    channels.forEach((id, r) => insertChannel.run(id, workspaceOf(r), 'public', `room ${r}`, `room-${r}`, '', users[r * roomSize].id, now));
    for (const u of users) {
      insertMember.run(channels[u.room], u.id, now);
      insertSession.run(u.sessionId, u.id, now, now, now + Limits.refreshTokenTtlSeconds * 1000, 'relaydesk-bench', '127.0.0.1');
      insertTicket.run(hashToken(u.ticket), u.id, u.sessionId, now, now + Limits.wsTicketTtlSeconds * 1000);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('analyze');
  db.close();
  return { users, channels };
}

/**
 * RelayDesk as `npm start` runs it, production mode, rate limits and per-user / per-IP socket caps
 * raised (every connection of the benchmark comes from 127.0.0.1). With `tickets: 'http'` each
 * connection's ticket comes from `POST /api/v1/auth/ws-ticket` (bearer token) instead of the seed.
 */
export async function startRelayDesk(scenario, { serverArgs, tickets, workspaces }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-rt-'));
  tempDirs.add(dataDir);
  const cleanup = () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    tempDirs.delete(dataDir);
  };
  try {
    const { users, channels } = await seedRelayDesk(dataDir, scenario, workspaces);
    const port = await freePort();
    const env = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('hex'),
      COOKIE_SECURE: 'true',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      RATE_LIMIT_API_PER_MIN: '100000000',
      RATE_LIMIT_ANON_PER_MIN: '100000000',
      RATE_LIMIT_LOGIN_PER_MIN: '100000',
      // The per-connection caps another change adds (every benchmark socket comes from one IP).
      WS_MAX_CONNECTIONS_PER_USER: '100000',
      WS_MAX_CONNECTIONS_PER_IP: '100000',
    };
    loadConfig(env); // fail early on a setting the server would refuse
    const child = spawnNode([...nodeArgs(serverArgs), path.join(root, 'packages/server/dist/main.js')], {
      // BENCH_SERVER_NODE_OPTIONS: e.g. a --require'd probe of the server's event loop.
      env: { ...env, NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS ?? '' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    relayOutput('relaydesk', child);
    const url = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      if (child.exitCode !== null) throw new Error(`RelayDesk exited with ${child.exitCode}`);
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      if (tries > 600) throw new Error('RelayDesk did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    if (tickets === 'http') await fetchTickets(url, env.JWT_SECRET, users);
    const specs = users.map((u) => ({ url: `ws://127.0.0.1:${port}/ws?ticket=${u.ticket}`, room: u.room, key: channels[u.room] }));
    return handle('relaydesk', child, { specs, cleanup });
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** A bearer token per user (signed with the server's key, for the seeded session), then a ticket each. */
async function fetchTickets(url, secret, users) {
  const tokens = new AccessTokens(secret, { now: () => Date.now() });
  let next = 0;
  const worker = async () => {
    while (next < users.length) {
      const u = users[next++];
      const { token } = await tokens.sign({ userId: u.id, sessionId: u.sessionId });
      const res = await fetch(`${url}/api/v1/auth/ws-ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`ws-ticket: ${res.status} ${await res.text()}`);
      u.ticket = (await res.json()).ticket;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

// --- baselines ---------------------------------------------------------------------------------

async function startBaseline(name, script, serverArgs) {
  const child = spawnNode([...nodeArgs(serverArgs), path.join(here, script)], { env: {}, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  relayOutput(name, child);
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.on('message', (m) => {
      if (m?.type !== 'listening') return;
      clearTimeout(timer);
      resolve(m.port);
    });
  });
  return { child, port };
}

export async function startPlainWs({ connections, roomSize }, { serverArgs }) {
  const { child, port } = await startBaseline('ws', 'plainWsServer.mjs', serverArgs);
  const specs = Array.from({ length: connections }, (_, i) => {
    const room = Math.floor(i / roomSize);
    return { url: `ws://127.0.0.1:${port}/?room=${roomId(room)}&user=${userId(i)}`, room, key: roomId(room) };
  });
  return handle('ws', child, { specs });
}

export async function startSocketIo({ connections, roomSize }, { serverArgs }) {
  const { child, port } = await startBaseline('socketio', 'socketIoServer.mjs', serverArgs);
  const specs = Array.from({ length: connections }, (_, i) => {
    const room = Math.floor(i / roomSize);
    return { url: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, room, key: roomId(room), auth: { room: roomId(room), user: userId(i) } };
  });
  return handle('socketio', child, { specs });
}

export const starters = { relaydesk: startRelayDesk, ws: startPlainWs, socketio: startSocketIo };
