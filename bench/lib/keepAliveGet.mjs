// A lean GET client for latency benchmarks: node:http over one kept-alive socket, the body
// collected as Buffers. `fetch` (undici's WHATWG streams) adds 1–3 ms to the p99 of a 20 KB
// response on this VM by itself (bench/httpBaseline.mjs prints both), which would be measured as
// server latency; the benchmarks report both clients.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** GET `url` with `headers`; resolves to `{ status, body }` once the whole body has arrived. */
export function keepAliveGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** `fetch` counterpart with the same result shape, so a benchmark can time either client. */
export async function fetchGet(url, headers = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

export const clients = { http: keepAliveGet, fetch: fetchGet };
