#!/usr/bin/env node
// Chat-core read paths on a big channel: seeds N messages (default 1,000,000) straight into a
// fresh SQLite database, then measures p50/p99 of the latest history page, a page deep in
// history, the change feed, unread counts across 200 channels, and search — over real HTTP,
// one request at a time, against the real server, from a lean process of its own
// (lib/latencyClient.mjs) with two clients in turn: node:http kept alive and fetch. Usage:
//   npm run build && node bench/chatCore.mjs [--messages 1000000] [--iterations 200] [--warmup 1000]
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
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE']) process.once(signal, () => process.exit(128 + os.constants.signals[signal]));
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (tries > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(); // already gone
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
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

const endpoints = [
  { name: 'latest page (50)', path: `/api/v1/channels/${big}/messages?limit=50` },
  { name: 'page deep in history (before seq 10,000)', path: `/api/v1/channels/${big}/messages?limit=50&before={n}`, base: 10_000 },
  { name: 'change feed (100 after seq N/2)', path: `/api/v1/channels/${big}/events?after={n}&limit=100`, base: Math.floor(total / 2) },
  { name: 'unread counts (200 channels)', path: '/api/v1/me/unreads' },
  { name: `search one word "${midWord}"`, path: `/api/v1/workspaces/${workspaceId}/search?q=${midWord}&limit=20` },
  { name: `search two words "${pair}"`, path: `/api/v1/workspaces/${workspaceId}/search?q=${encodeURIComponent(pair)}&limit=20` },
  { name: `search inside words "${infix}"`, path: `/api/v1/workspaces/${workspaceId}/search?q=${infix}&limit=20` },
  { name: 'search CJK "部分一致"', path: `/api/v1/workspaces/${workspaceId}/search?q=${encodeURIComponent('部分一致')}&limit=20` },
];
const warmup = arg('warmup', 1000);
console.log(`node ${process.version}, ${os.cpus().length} cores, SQLite, ${iterations} sequential requests each after ${warmup} to warm up`);
// The measuring client is a lean process of its own (see lib/latencyClient.mjs for why).
const measuring = spawn(process.execPath, [path.resolve('bench/lib/latencyClient.mjs'), JSON.stringify({ url: server.url, headers, iterations, warmup, endpoints })], {
  stdio: 'inherit',
});
process.once('exit', () => measuring.kill());
const measured = await new Promise((resolve) => measuring.once('exit', resolve));
await server.close();
if (measured !== 0) process.exitCode = 1;
if (keep) console.log(`kept ${dataDir} (measure again with --reuse ${dataDir})`);
else fs.rmSync(dataDir, { recursive: true, force: true });
