#!/usr/bin/env node
// HTTP baseline: throughput and latency of the authentication paths on this machine.
// Usage: npm run build && node bench/httpAuth.mjs [--seconds 5] [--concurrency 16]
// Starts its own server on 127.0.0.1 with a temporary SQLite database; stops by itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../packages/server/dist/config/env.js';
import { startServer } from '../packages/server/dist/server.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 5);
const concurrency = arg('concurrency', 16);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-bench-'));
const config = loadConfig({
  NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, SEED_DEMO: 'true', LOG_LEVEL: 'silent',
  RATE_LIMIT_LOGIN_PER_MIN: '1000000', RATE_LIMIT_API_PER_MIN: '1000000', RATE_LIMIT_ANON_PER_MIN: '1000000',
});
const server = await startServer(config);

async function run(name, makeRequest) {
  const latencies = [];
  const deadline = performance.now() + seconds * 1000;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const res = await makeRequest();
      latencies.push(performance.now() - t0);
      if (!res.ok) errors++;
      await res.arrayBuffer();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
  console.log(
    `${name.padEnd(28)} ${(latencies.length / elapsed).toFixed(0).padStart(7)} req/s   p50 ${pct(0.5)} ms   p99 ${pct(0.99)} ms   errors ${errors}`,
  );
}

const json = { 'content-type': 'application/json' };
const tokenRes = await fetch(`${server.url}/api/v1/auth/token`, {
  method: 'POST', headers: json, body: JSON.stringify({ username: 'alice_dev', password: 'demo123' }),
});
const { accessToken } = await tokenRes.json();
const bearer = { authorization: `Bearer ${accessToken}` };

console.log(`node ${process.version}, ${os.cpus().length} cores, concurrency ${concurrency}, ${seconds} s each, SQLite`);
await run('GET /health', () => fetch(`${server.url}/health`));
await run('GET /api/v1/auth/me (bearer)', () => fetch(`${server.url}/api/v1/auth/me`, { headers: bearer }));
await run('POST /api/v1/auth/ws-ticket', () => fetch(`${server.url}/api/v1/auth/ws-ticket`, { method: 'POST', headers: bearer }));
await run('POST /api/v1/auth/login', () =>
  fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice_dev', password: 'demo123' }) }),
);

await server.close();
fs.rmSync(dataDir, { recursive: true, force: true });
