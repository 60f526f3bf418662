// Preloaded into a server (`--import`) by hand: once a second, appends the event loop's delay
// (p99 and max, sampled every 2 ms), the heap in use and the GC pauses of that second, by kind, to
// $PROBE_OUT, or /tmp/relaydesk-probe-<pid>.log (the benchmarks hand their servers only the
// environment they need, so there it is always the default). Through the benchmarks:
//   SERVER_NODE_OPTIONS="--import ./bench/probes/eventLoop.mjs" node bench/chatCore.mjs --reuse DIR
//   BENCH_SERVER_NODE_OPTIONS="--import ./bench/probes/eventLoop.mjs" node bench/realtimeLoad.mjs --scenario b
import fs from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const out = process.env.PROBE_OUT ?? `/tmp/relaydesk-probe-${process.pid}.log`;
const delay = monitorEventLoopDelay({ resolution: 2 });
delay.enable();
const kinds = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
let pauses = {};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = kinds[e.detail?.kind] ?? String(e.detail?.kind);
    const p = (pauses[kind] ??= { n: 0, max: 0 });
    p.n++;
    p.max = Math.max(p.max, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

setInterval(() => {
  const gc = Object.entries(pauses).map(([k, p]) => `${k} ${p.n}x max ${p.max.toFixed(1)} ms`).join(', ');
  const line = `${new Date().toISOString().slice(11, 19)} loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} max ${(delay.max / 1e6).toFixed(1)} ms; heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB; gc ${gc || 'none'}\n`;
  fs.appendFileSync(out, line);
  delay.reset();
  pauses = {};
}, 1000).unref();
