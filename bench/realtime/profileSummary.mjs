// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time by package or
// area, then the functions with the most self time. Used by bench/realtimeLoad.mjs --cpu-prof;
// also runnable alone: node bench/realtime/profileSummary.mjs file.cpuprofile
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const AREAS = [
  [/^\((idle)\)$/, '(idle)'],
  [/^\((garbage collector)\)$/, '(garbage collector)'],
  [/^\((program)\)$/, '(program: native, syscalls)'],
  [/node_modules\/(@[^/]+\/[^/]+|[^/]+)\//, (m) => m[1]],
  [/packages\/server\/dist\/([^/]+)\//, (m) => `relaydesk ${m[1]}`],
  [/^node:(internal\/[^/]+|[^/]+)/, (m) => `node:${m[1].replace(/^internal\//, '')}`],
  [/bench\/realtime\//, 'bench baseline server'],
];

function areaOf(name, url) {
  for (const [re, label] of AREAS) {
    const m = re.exec(url || name);
    if (m) return typeof label === 'function' ? label(m) : label;
  }
  return url ? 'other' : '(native)';
}

const label = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^.*\/(node_modules|packages|bench)\//, '$1/')}:${lineNumber + 1}` : ''}`;
/** Frames worth naming in the inclusive list: the server's own code and the libraries on its hot path. */
const OWN = /packages\/server\/dist|bench\/realtime|node_modules\/(ws|kysely|better-sqlite3|socket\.io|engine\.io|socket\.io-parser|prom-client|typebox)\//;

/**
 * `windows`: [startUs, endUs] pairs on the monotonic clock (the profile's own clock): only
 * samples inside them count, e.g. the measured steps without start-up and connecting.
 */
export function summarizeProfile(file, { windows, top = 15 } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (windows && !windows.some(([a, b]) => t >= a && t <= b)) return;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const areas = new Map();
  const functions = new Map();
  const inclusive = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const area = areaOf(frame.functionName, frame.url);
    total += us;
    if (area === '(idle)') {
      idle += us;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + us);
    functions.set(label(frame), (functions.get(label(frame)) ?? 0) + us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur).callFrame;
      if (!OWN.test(f.url)) continue;
      const key = label(f);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const pct = (us) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`  ${(busy / 1e6).toFixed(1)} s busy of ${(total / 1e6).toFixed(1)} s profiled${windows ? ' (measured steps only)' : ''}; share of busy time by area:`];
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`    ${pct(us)}  ${area}`);
  lines.push('  functions by self time:');
  for (const [fn, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${pct(us)}  ${fn}`);
  lines.push('  server and library functions by total (inclusive) time:');
  for (const [fn, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top * 2)) lines.push(`    ${pct(us)}  ${fn}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) console.log(`${file}\n${summarizeProfile(file)}`);
}
