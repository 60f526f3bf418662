#!/usr/bin/env node
// Chat-core read paths on a big channel: seeds N messages (default 1,000,000) straight into a
// fresh SQLite database, then measures p50/p99 of the latest history page, a page deep in
// history, the change feed, unread counts across 200 channels, and search — over real HTTP,
// one request at a time, against the real server, with two clients in turn: node:http kept alive
// and fetch (see lib/keepAliveGet.mjs for why both). Usage:
//   npm run build && node bench/chatCore.mjs [--messages 1000000] [--iterations 200]
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from '../packages/server/node_modules/better-sqlite3/lib/index.js';
import { loadConfig } from '../packages/server/dist/config/env.js';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { SqlStorage } from '../packages/server/dist/storage/sql/sqlStorage.js';
import { PasswordHasher } from '../packages/server/dist/auth/passwords.js';
import { clients } from './lib/keepAliveGet.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const total = arg('messages', 1_000_000);
const iterations = arg('iterations', 200);
const smallChannels = 199;
const perSmallChannel = 100;

// --reuse DIR measures a database seeded by an earlier run started with --keep (seeding 1M takes minutes).
const reuseIndex = process.argv.indexOf('--reuse');
const reuse = reuseIndex > 0 ? process.argv[reuseIndex + 1] : undefined;
const keep = process.argv.includes('--keep') || reuse !== undefined;
const dataDir = reuse ?? fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-core-'));
const env = {
  NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, SEED_DEMO: 'false', LOG_LEVEL: 'silent',
  RATE_LIMIT_API_PER_MIN: '100000000', RATE_LIMIT_ANON_PER_MIN: '100000000', RATE_LIMIT_LOGIN_PER_MIN: '1000',
};
loadConfig(env); // fail early on a bad setting

async function startServerProcess() {
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, [...(process.env.SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.resolve('packages/server/dist/main.js')], {
    env: { PATH: process.env.PATH, ...env, PORT: String(port), NODE_OPTIONS: process.env.SERVER_NODE_OPTIONS ?? '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => child.kill()); // a run cut short (Ctrl-C, a closed pipe) leaves no server behind
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE']) process.once(signal, () => process.exit(130));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (tries > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    close: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }),
  };
}

// Letters drawn at random (a fixed seed): real text has thousands of distinct trigrams, and a
// vocabulary built from a few syllables would make every trigram lookup unrealistically broad.
let wordSeed = 7;
const letter = () => {
  wordSeed = (wordSeed * 1103515245 + 12345) & 0x7fffffff;
  return String.fromCharCode(97 + (wordSeed % 26));
};
const vocabulary = Array.from({ length: 5000 }, (_, i) => Array.from({ length: 4 + (i % 6) }, letter).join(''));
// Search terms of different breadth: a mid-frequency word (~0.5% of messages), a pair, an infix.
const midWord = vocabulary[1200];
const pair = `${vocabulary[300]} ${vocabulary[900]}`;
const infix = vocabulary[2500].slice(1, 6);

const idsFile = path.join(dataDir, 'bench-ids.json');
let big, workspaceId, reader;
if (reuse) {
  ({ big, workspaceId, reader } = JSON.parse(fs.readFileSync(idsFile, 'utf8')));
} else {
  ({ big, workspaceId, reader } = await seed());
  fs.writeFileSync(idsFile, JSON.stringify({ big, workspaceId, reader }));
}

async function seed() {
  // 1. Schema, then bulk data through one better-sqlite3 connection (the server is not running yet).
  await (await SqlStorage.open(undefined, dataDir)).close();
  const db = new Database(path.join(dataDir, 'relaydesk.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // seeding only; the server syncs every commit
  const now = Date.now();
  const hash = await new PasswordHasher(8192).hash('bench-password');
  const reader = { id: randomUUID(), username: 'bench_reader' };
  const author = { id: randomUUID(), username: 'bench_author' };
  const insertUser = db.prepare('insert into users (id, username, email, email_lower, display_name, password_hash, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)');
  for (const u of [reader, author]) insertUser.run(u.id, u.username, `${u.username}@bench.example`, `${u.username}@bench.example`, u.username, hash, now, now);
  const workspaceId = randomUUID();
  db.prepare('insert into workspaces (id, name, created_by, created_at) values (?, ?, ?, ?)').run(workspaceId, 'Bench', author.id, now);
  const addWsMember = db.prepare('insert into workspace_members (workspace_id, user_id, role, joined_at) values (?, ?, ?, ?)');
  addWsMember.run(workspaceId, author.id, 'owner', now);
  addWsMember.run(workspaceId, reader.id, 'member', now);

  // A vocabulary of 5,000 made-up words with a Zipf-like frequency: a few are everywhere, most are
  // rare — like real chat text, where a search term usually matches a small share of messages.
  let rng = 42;
  const rand = (n) => {
    rng = (rng * 1103515245 + 12345) & 0x7fffffff;
    return rng % n;
  };
  const zipf = () => vocabulary[Math.floor(vocabulary.length * Math.pow(rand(1_000_000) / 1_000_000, 3))];
  const cjk = ['東京で会議があります', '明日の天気は晴れです', '部分一致で検索できる', '新しい機能をリリースしました'];
  const body = (i) => (i % 50 === 0 ? `${cjk[rand(cjk.length)]} #${i}` : Array.from({ length: 8 + rand(8) }, zipf).join(' ') + ` #${i}`);

  const insertChannel = db.prepare('insert into channels (id, workspace_id, kind, name, slug, topic, created_by, created_at, last_seq) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertMember = db.prepare('insert into channel_members (channel_id, user_id, joined_at, last_read_seq) values (?, ?, ?, ?)');
  const insertMessage = db.prepare(
    'insert into messages (id, channel_id, seq, author_id, body, created_at, reply_count, mentions_channel, attachment_count) values (?, ?, ?, ?, ?, ?, 0, 0, 0)',
  );
  const insertEvent = db.prepare('insert into channel_events (channel_id, seq, actor_id, created_at, payload) values (?, ?, ?, ?, ?)');

  function seedChannel(name, count, lastReadSeq) {
    const id = randomUUID();
    insertChannel.run(id, workspaceId, 'public', name, name.toLowerCase(), '', author.id, now, count);
    insertMember.run(id, reader.id, now, lastReadSeq);
    insertMember.run(id, author.id, now, count);
    const batch = db.transaction((from, to) => {
      for (let seq = from; seq <= to; seq++) {
        const mid = randomUUID();
        const text = body(seq);
        const at = now - (count - seq) * 1000;
        insertMessage.run(mid, id, seq, author.id, text, at);
        const message = {
          id: mid, channelId: id, seq, authorId: author.id, body: text, clientMessageId: null, threadRootId: null, replyCount: 0,
          lastReplyAt: null, mentions: { userIds: [], channel: false }, reactions: [], attachmentCount: 0, pinned: false,
          createdAt: new Date(at).toISOString(), editedAt: null, deleted: false,
        };
        insertEvent.run(id, seq, author.id, at, JSON.stringify({ type: 'message.created', message }));
      }
    });
    for (let from = 1; from <= count; from += 10_000) batch(from, Math.min(count, from + 9_999));
    return id;
  }

  let t0 = performance.now();
  const big = seedChannel('big', total, Math.floor(total / 2));
  console.log(`seeded ${total.toLocaleString()} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (let c = 0; c < smallChannels; c++) seedChannel(`small-${c}`, perSmallChannel, perSmallChannel / 2);
  db.close();
  // Messages written are indexed for search in batches (migration 0006): index them all now, as
  // the server's background indexer would, so that searches measure searching.
  t0 = performance.now();
  const indexing = await SqlStorage.open(undefined, dataDir);
  await indexing.search.indexPending();
  await indexing.close();
  console.log(`indexed for search in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const tidy = new Database(path.join(dataDir, 'relaydesk.sqlite'));
  tidy.pragma('wal_checkpoint(TRUNCATE)');
  tidy.exec('analyze');
  tidy.close();
  console.log(`database: ${(fs.statSync(path.join(dataDir, 'relaydesk.sqlite')).size / 1e6).toFixed(0)} MB`);
  return { big, workspaceId, reader };

}

// 2. The real server in its own process (as `npm start` runs it), measured over HTTP one request
// at a time from this one, so client and server do not share an event loop.
const server = await startServerProcess();
const token = await (await fetch(`${server.url}/api/v1/auth/token`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: reader.username, password: 'bench-password' }),
})).json();
const headers = { authorization: `Bearer ${token.accessToken}` };

/** Server-side request durations per bucket, summed over routes, from the Prometheus histogram. */
async function serverBuckets() {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const buckets = new Map();
  for (const m of text.matchAll(/relaydesk_http_request_duration_seconds_bucket\{le="([^"]+)",method="GET",route="(\/api\/[^"]+)",status_code="200"\} (\d+)/g)) {
    buckets.set(m[1], (buckets.get(m[1]) ?? 0) + Number(m[3]));
  }
  return buckets;
}

async function measure(name, makePath) {
  for (const [clientName, get] of Object.entries(clients)) {
    const samples = [];
    for (let i = 0; i < 10; i++) await get(server.url + makePath(i), headers); // warm-up
    const before = await serverBuckets();
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      const res = await get(server.url + makePath(i + 10), headers);
      samples.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${res.body}`);
    }
    const after = await serverBuckets();
    // Share of these requests the server itself handled within 1 / 2.5 / 5 / 25 ms.
    const within = (le) => (((after.get(le) ?? 0) - (before.get(le) ?? 0)) / iterations) * 100;
    samples.sort((a, b) => a - b);
    const p = (q) => samples[Math.min(samples.length - 1, Math.floor(samples.length * q))].toFixed(2);
    console.log(
      `${name.padEnd(40)} ${clientName.padEnd(5)} p50 ${p(0.5).padStart(6)} ms  p99 ${p(0.99).padStart(6)} ms  | server ≤1 ms ${within('0.001').toFixed(1).padStart(5)}%  ≤2.5 ms ${within('0.0025').toFixed(1).padStart(5)}%  ≤5 ms ${within('0.005').toFixed(1).padStart(5)}%  ≤25 ms ${within('0.025').toFixed(1).padStart(5)}%`,
    );
  }
}

console.log(`node ${process.version}, ${os.cpus().length} cores, SQLite, ${iterations} sequential requests each`);
await measure('latest page (50)', () => `/api/v1/channels/${big}/messages?limit=50`);
await measure('page deep in history (before seq 10,000)', (i) => `/api/v1/channels/${big}/messages?limit=50&before=${10_000 + i}`);
await measure('change feed (100 after seq N/2)', (i) => `/api/v1/channels/${big}/events?after=${Math.floor(total / 2) + i}&limit=100`);
await measure('unread counts (200 channels)', () => '/api/v1/me/unreads');
await measure(`search one word "${midWord}"`, () => `/api/v1/workspaces/${workspaceId}/search?q=${midWord}&limit=20`);
await measure(`search two words "${pair}"`, () => `/api/v1/workspaces/${workspaceId}/search?q=${encodeURIComponent(pair)}&limit=20`);
await measure(`search inside words "${infix}"`, () => `/api/v1/workspaces/${workspaceId}/search?q=${infix}&limit=20`);
await measure('search CJK "部分一致"', () => `/api/v1/workspaces/${workspaceId}/search?q=${encodeURIComponent('部分一致')}&limit=20`);
await server.close();
if (keep) console.log(`kept ${dataDir} (measure again with --reuse ${dataDir})`);
else fs.rmSync(dataDir, { recursive: true, force: true });
