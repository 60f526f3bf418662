#!/usr/bin/env node
// The machine's floor for one HTTP request: a plain node:http server (own process) answering a
// fixed 20 KB JSON body, requested one at a time like bench/chatCore.mjs does, with the same two
// clients (node:http kept alive, and fetch). Whatever tail latency this shows, no real endpoint on
// this machine can beat. Usage: node bench/httpBaseline.mjs
import { spawn } from 'node:child_process';
import { clients } from './lib/keepAliveGet.mjs';

if (process.argv[2] === '--serve') {
  const http = await import('node:http');
  const body = JSON.stringify({
    messages: Array.from({ length: 50 }, (_, seq) => ({ id: 'x'.repeat(36), seq, body: 'hello world '.repeat(10), reactions: [] })),
  });
  const server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  setTimeout(() => process.exit(0), 120_000).unref(); // never outlives a forgotten run
} else {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill()); // also when a request fails
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  for (const [name, get] of Object.entries(clients)) {
    const samples = [];
    for (let i = 0; i < 3010; i++) {
      const started = performance.now();
      await get(`http://127.0.0.1:${port}/`);
      if (i >= 10) samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const p = (q) => samples[Math.floor(samples.length * q)].toFixed(2);
    console.log(`plain node:http, 20 KB JSON, 3000 sequential requests (${name.padEnd(5)} client): p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  max ${samples.at(-1).toFixed(2)} ms`);
  }
  child.kill();
}
