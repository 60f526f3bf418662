#!/usr/bin/env node
// CPU amplification by uploads: login and message-send latency (p50/p99/max) with and without
// hostile image uploads running, against the real server in a process of its own (default
// password hashing, 19 MiB argon2id). The hostile load: `--attackers` clients (default 8), each
// uploading its image again and again, round-robin over small files that are expensive to decode
// — a 78-frame 800x800 animated GIF, a 25-frame one just within the GIF budget, a 1-bit PNG of
// 7071x7071 (a decompression bomb just under 50 Mpx), a 4000x4000 photo-like WebP, a 7000x7000 JPEG.
// Usage: npm run build && node bench/hostileUploads.mjs [--seconds 20] [--attackers 8]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 20);
const attackers = arg('attackers', 8);
const ORIGIN = 'http://relaydesk.bench';

// ---- the server ------------------------------------------------------------------------------

async function startServerProcess() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-uploads-'));
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, [path.resolve('packages/server/dist/main.js')], {
    env: {
      PATH: process.env.PATH, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, PUBLIC_URL: ORIGIN,
      SEED_DEMO: 'false', LOG_LEVEL: 'silent', RATE_LIMIT_API_PER_MIN: '100000000', RATE_LIMIT_ANON_PER_MIN: '100000000', RATE_LIMIT_LOGIN_PER_MIN: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => child.kill());
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    if (tries > 600) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- a minimal client: cookies and JSON ------------------------------------------------------

class Client {
  constructor(url) {
    this.url = url;
    this.cookies = new Map();
  }
  async request(method, p, { json, form } = {}) {
    const headers = { origin: ORIGIN, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    const csrf = this.cookies.get('csrf');
    if (csrf) headers['x-csrf-token'] = csrf;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + p, { method, headers, body: json !== undefined ? JSON.stringify(json) : form });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }
}

let userCounter = 0;
async function newUser(url) {
  const client = new Client(url);
  const n = `${process.pid}_${userCounter++}`;
  const credentials = { username: `bench_${n}`, password: 'correct horse battery' };
  const res = await client.request('POST', '/api/v1/auth/register', { json: { ...credentials, email: `bench_${n}@example.com`, displayName: `Bench ${n}` } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return { client, credentials };
}

// ---- hostile images --------------------------------------------------------------------------

async function animatedGif(frames, size) {
  const list = [];
  for (let i = 0; i < frames; i++) {
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 13) % 256 };
    list.push(await sharp({ create: { width: size, height: size, channels: 3, background } }).png().toBuffer());
  }
  return sharp(list, { join: { animated: true } }).gif({ delay: list.map(() => 50) }).toBuffer();
}

/** A valid 1-bit black PNG of width x height: tiny on disk, huge once decoded. */
function pngBomb(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(typed));
    return Buffer.concat([len, typed, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const row = Buffer.alloc(1 + Math.ceil(width / 8));
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

async function hostileImages() {
  const noise = (w, h) => sharp({ create: { width: w, height: h, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 20 } } });
  return [
    { name: 'frames78.gif', type: 'image/gif', bytes: await animatedGif(78, 800) },
    { name: 'frames25.gif', type: 'image/gif', bytes: await animatedGif(25, 800) },
    { name: 'bomb.png', type: 'image/png', bytes: pngBomb(7071, 7071) },
    { name: 'photo.webp', type: 'image/webp', bytes: await noise(4000, 4000).blur(1.5).webp({ quality: 75 }).toBuffer() },
    { name: 'big.jpg', type: 'image/jpeg', bytes: await sharp({ create: { width: 7000, height: 7000, channels: 3, background: { r: 9, g: 9, b: 9 } } }).jpeg({ quality: 50 }).toBuffer() },
  ];
}

// ---- measuring -------------------------------------------------------------------------------

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] };
}
const fmt = ({ n, p50, p99, max }) => `n=${String(n).padStart(3)}  p50 ${p50.toFixed(0).padStart(5)} ms  p99 ${p99.toFixed(0).padStart(5)} ms  max ${max.toFixed(0).padStart(5)} ms`;

/** Logins (a fresh client each time, as a user signing in) and sends, one at a time each, paced. */
async function probe(url, member, channelId, credentials, ms) {
  const login = [];
  const send = [];
  const deadline = performance.now() + ms;
  const loop = async (samples, op, pauseMs) => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const status = await op();
      samples.push(performance.now() - t0);
      if (status >= 300) throw new Error(`probe got ${status}`);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  let i = 0;
  await Promise.all([
    loop(login, async () => (await new Client(url).request('POST', '/api/v1/auth/login', { json: credentials })).status, 200),
    loop(send, async () => (await member.request('POST', `/api/v1/channels/${channelId}/messages`, { json: { body: `probe ${i++}` } })).status, 50),
  ]);
  return { login: summary(login), send: summary(send) };
}

const server = await startServerProcess();
try {
  const owner = await newUser(server.url);
  const ws = await owner.client.request('POST', '/api/v1/workspaces', { json: { name: 'Bench' } });
  const invite = await owner.client.request('POST', `/api/v1/workspaces/${ws.body.id}/invites`, { json: {} });
  const channel = await owner.client.request('POST', `/api/v1/workspaces/${ws.body.id}/channels`, { json: { name: 'general' } });
  const channelId = channel.body.id;
  const join = async () => {
    const u = await newUser(server.url);
    await u.client.request('POST', '/api/v1/invites/accept', { json: { code: invite.body.code } });
    await u.client.request('POST', `/api/v1/channels/${channelId}/join`);
    return u;
  };
  const prober = await join();
  const uploaders = await Promise.all(Array.from({ length: attackers }, join));
  const images = await hostileImages();
  console.log(`hostile images: ${images.map((i) => `${i.name} ${(i.bytes.length / 1024).toFixed(1)} KB`).join(', ')}`);

  // Each image alone, one at a time: what one upload costs the server.
  for (const image of images) {
    const form = new FormData();
    form.append('file', new Blob([image.bytes], { type: image.type }), image.name);
    const t0 = performance.now();
    const res = await uploaders[0].client.request('POST', `/api/v1/channels/${channelId}/files`, { form });
    console.log(`  alone: ${image.name.padEnd(14)} ${res.status} ${res.status === 201 ? '' : res.body.error?.code ?? ''} in ${(performance.now() - t0).toFixed(0)} ms`);
  }

  const quiet = await probe(server.url, prober.client, channelId, prober.credentials, seconds * 1000);

  let stop = false;
  const outcomes = new Map();
  const uploadTimes = [];
  const attack = async (uploader, k) => {
    for (let round = 0; !stop; round++) {
      const image = images[(k + round) % images.length];
      const form = new FormData();
      form.append('file', new Blob([image.bytes], { type: image.type }), image.name);
      const t0 = performance.now();
      const res = await uploader.client.request('POST', `/api/v1/channels/${channelId}/files`, { form });
      uploadTimes.push(performance.now() - t0);
      const key = `${image.name} ${res.status}${res.status === 201 ? '' : ` ${res.body.error?.code ?? ''}`}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (res.status === 503 || res.status === 429) await new Promise((r) => setTimeout(r, 250)); // a client backing off, a little
    }
  };
  const attacking = uploaders.map((u, k) => attack(u, k));
  await new Promise((r) => setTimeout(r, 1000)); // the load is on
  const loaded = await probe(server.url, prober.client, channelId, prober.credentials, seconds * 1000);
  stop = true;
  await Promise.all(attacking);

  console.log(`\n${seconds} s each; logins every 200 ms, sends every 50 ms (one at a time each), ${attackers} hostile uploaders`);
  console.log(`  login, quiet:        ${fmt(quiet.login)}`);
  console.log(`  login, under attack: ${fmt(loaded.login)}`);
  console.log(`  send,  quiet:        ${fmt(quiet.send)}`);
  console.log(`  send,  under attack: ${fmt(loaded.send)}`);
  console.log(`  uploads answered:    ${fmt(summary(uploadTimes))}`);
  for (const [k, n] of [...outcomes].sort()) console.log(`    ${String(n).padStart(4)} × ${k}`);
} finally {
  await server.stop();
}
