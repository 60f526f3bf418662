#!/usr/bin/env node
// Measures HTTP endpoints one request at a time, with both clients of keepAliveGet.mjs, in a
// process of its own that loads nothing else. Run by bench/chatCore.mjs, which seeds and starts
// the server: measured from that process, whose heap holds the server's modules and the seeding
// code, the client itself ran 4–6 full GCs a second (up to 10 ms each) and added them to the p99;
// a lean client runs young-generation GCs only.
//
// argv[2] is a JSON spec: { url, headers, iterations, warmup, endpoints: [{ name, path, base }] }.
// `{n}` in a path becomes base + i for the i-th request (distinct pages, not one cached page).
import { clients } from './keepAliveGet.mjs';

const { url, headers, iterations, warmup, endpoints } = JSON.parse(process.argv[2]);

/** Server-side request durations per bucket, summed over routes, from the Prometheus histogram. */
async function serverBuckets() {
  const { body } = await clients.http(`${url}/metrics`, {}, true);
  const buckets = new Map();
  for (const m of body.toString().matchAll(/relaydesk_http_request_duration_seconds_bucket\{le="([^"]+)",method="GET",route="(\/api\/[^"]+)",status_code="200"\} (\d+)/g)) {
    buckets.set(m[1], (buckets.get(m[1]) ?? 0) + Number(m[3]));
  }
  return buckets;
}

async function measure({ name, path, base = 0 }) {
  const at = (i) => url + path.replace('{n}', String(base + i));
  for (const [k, [clientName, get]] of Object.entries(clients).entries()) {
    const samples = [];
    // Steady state is what is measured: a freshly started server spends its first thousands of
    // requests compiling hot code and growing its heap; the first 2,000 latest-page requests after
    // a start measured a p99 1.5–2 ms above the next 2,000. The warm-up reads other pages.
    for (let i = 0; i < warmup; i++) await get(at(20_000 + (i % 1000)), headers);
    const before = await serverBuckets();
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      const res = await get(at(k * iterations + i), headers); // each client reads pages of its own
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

for (const endpoint of endpoints) await measure(endpoint);
