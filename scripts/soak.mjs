#!/usr/bin/env node
// Soak variant of the fault suites, run by hand (never by `npm test`): repeats the durability
// checker's scenarios — kill -9 on SQLite and PostgreSQL, PostgreSQL stopped and crashed under
// load, a full disk, clock steps — for a number of rounds, and prints how many rounds each suite
// passed. A flake that one CI run misses shows up here as a failed round.
//
//   npm run build && node scripts/soak.mjs            # 10 rounds, at most 60 minutes
//   SOAK_ROUNDS=50 SOAK_MINUTES=240 node scripts/soak.mjs durabilityKill
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const suites = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['durabilityKill', 'postgresOutage', 'diskFull', 'durabilityClock'];
const rounds = Number(process.env.SOAK_ROUNDS ?? 10);
const deadline = Date.now() + Number(process.env.SOAK_MINUTES ?? 60) * 60_000;

const passed = Object.fromEntries(suites.map((s) => [s, 0]));
const failed = Object.fromEntries(suites.map((s) => [s, 0]));
let round = 0;
for (; round < rounds && Date.now() < deadline; round++) {
  for (const suite of suites) {
    const started = Date.now();
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/runTests.mjs'), suite], { encoding: 'utf8', env: process.env });
    const ok = run.status === 0;
    (ok ? passed : failed)[suite]++;
    console.log(`round ${round + 1} ${suite}: ${ok ? 'pass' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!ok) console.log(run.stdout.split('\n').filter((l) => /✖|Error|assert/i.test(l)).slice(0, 20).join('\n'));
  }
}
console.log(`\n${round} round(s)`);
for (const s of suites) console.log(`${s.padEnd(18)} passed ${passed[s]}, failed ${failed[s]}`);
process.exit(Object.values(failed).some((n) => n > 0) ? 1 : 0);
