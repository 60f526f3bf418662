// A lean GET client for latency benchmarks: node:http over one kept-alive socket, the body
// collected as Buffers. `fetch` (undici's WHATWG streams) adds 1–3 ms to the p99 of a 20 KB
// response on this VM by itself (bench/httpBaseline.mjs prints both), which would be measured as
// server latency; the benchmarks report both clients.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * GET `url` with `headers`; resolves to `{ status, bytes, body }` once the whole body has arrived.
 * The body of a 200 is counted and dropped unless `keepBody`: copying every page into one more
 * Buffer doubles the client's external memory, which V8 answers with full GCs of the client.
 */
export function keepAliveGet(url, headers = {}, keepBody = false) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const keep = keepBody || res.statusCode !== 200;
        const chunks = [];
        let bytes = 0;
        res.on('data', (chunk) => {
          bytes += chunk.length;
          if (keep) chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode, bytes, body: keep ? Buffer.concat(chunks) : undefined }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** `fetch` counterpart with the same result shape, so a benchmark can time either client. */
export async function fetchGet(url, headers = {}) {
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes: body.length, body };
}

export const clients = { http: keepAliveGet, fetch: fetchGet };
