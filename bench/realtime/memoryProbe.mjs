// Preloaded into every server under test (`node --expose-gc --import this-file server.js`), so
// the benchmark can measure it without changing its code: on an IPC request it runs a full GC and
// answers with VmRSS from /proc/self/status and the V8 heap figures. It also ends the server when
// the benchmark goes away (IPC disconnect) and after a lifetime cap, so a crashed run leaves nothing.
import fs from 'node:fs';

if (process.send) {
  process.on('message', (m) => {
    if (m?.type !== 'bench:memory') return;
    globalThis.gc?.();
    globalThis.gc?.();
    // A moment for the sweeper threads and for freed pages to be returned.
    setTimeout(() => {
      const status = fs.readFileSync('/proc/self/status', 'utf8');
      const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) * 1024;
      const { heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      process.send({ type: 'bench:memory', id: m.id, rss: kib('VmRSS'), heapUsed, heapTotal, external, arrayBuffers });
    }, 300);
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.channel?.unref();
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), Number(process.env.BENCH_MAX_LIFETIME_MS ?? 3_600_000)).unref();
}
