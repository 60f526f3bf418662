import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './testing/testServer.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const run = promisify(execFile);

/** The integration example in examples/ runs as documented against a real server with the demo data. */
describe('examples/integrations/run.mjs', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { SEED_DEMO: 'true', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1/32', WEBHOOK_RETRY_BASE_MS: '200' } });
  });
  after(() => server.close());

  it('makes a bot, posts through both kinds of webhook with verified signatures, pushes idempotent app events and provisions over SCIM', async () => {
    const { stdout } = await run(process.execPath, [path.join(root, 'examples/integrations/run.mjs'), server.url], { cwd: root, timeout: 60_000 });
    assert.match(stdout, /incoming webhook posted message/);
    assert.match(stdout, /outgoing webhook delivered message .* with a valid signature/);
    assert.match(stdout, /the receiver's answer came back as a reply: "Ticket opened for "!ticket the printer is on fire""/);
    assert.match(stdout, /app event seq (\d+); the retry answered seq \1 \(replayed: true\)/);
    assert.match(stdout, /SCIM created user \S+ \(jane\.[0-9a-f]{6}@example\.com\)/);
    assert.match(stdout, /done\s*$/);
  });
});
