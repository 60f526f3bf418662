#!/usr/bin/env node
// Runs every test file once against the built packages. One PostgreSQL cluster serves the whole
// run (each test file creates its own database in it), so the suite pays for initdb only once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv.slice(2);

function testFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
    .sort();
}

const files = fs
  .readdirSync(path.join(root, 'packages'))
  .flatMap((pkg) => testFiles(path.join(root, 'packages', pkg, 'dist')));
if (files.length === 0) {
  console.error('No test files found: run `npm run build` first (npm test does).');
  process.exit(1);
}

const { startPostgres } = await import(path.join(root, 'packages/server/dist/testing/postgres.js'));
const cluster = await startPostgres();
console.log(`PostgreSQL for this run: ${cluster.adminUrl}`);

const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, TEST_PG_ADMIN_URL: cluster.adminUrl } },
);
const stopAll = () => child.kill('SIGTERM');
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await cluster.stop();
process.exit(code);
