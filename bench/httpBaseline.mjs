#!/usr/bin/env node
// The machine's floor for one HTTP request: a plain node:http server (own process) answering a
// fixed 20 KB JSON body, requested one at a time like bench/chatCore.mjs does. Whatever tail
// latency this shows, no real endpoint on this machine can beat. Usage: node bench/httpBaseline.mjs
import { spawn } from 'node:child_process';

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
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  const samples = [];
  for (let i = 0; i < 3010; i++) {
    const started = performance.now();
    await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    if (i >= 10) samples.push(performance.now() - started);
  }
  child.kill();
  samples.sort((a, b) => a - b);
  const p = (q) => samples[Math.floor(samples.length * q)].toFixed(2);
  console.log(`plain node:http, 20 KB JSON, 3000 sequential requests: p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  max ${samples.at(-1).toFixed(2)} ms`);
}
