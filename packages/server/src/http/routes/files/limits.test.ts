import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { DATABASES, startTestServer, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { assertError, setUpTeam, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, download, filesUnder, rawMultipart, tmpDir, upload, uploaded, uploadsDir, startUploaderTeam } from './fixtures.js';

const LIMIT = 64 * 1024;

/** Text of exactly `n` bytes. */
const textOf = (n: number) => Buffer.from('0123456789abcdef\n'.repeat(Math.ceil(n / 17)).slice(0, n));

for (const database of DATABASES) {
  describe(`Upload size limit (UPLOAD_MAX_BYTES lowered to ${LIMIT}) (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;

    before(async () => {
      ({ server, team, alice } = await startUploaderTeam({ database, env: { UPLOAD_MAX_BYTES: String(LIMIT) } }));
    });
    after(() => server.close());

    it('accepts a file of exactly the limit', async () => {
      const bytes = textOf(LIMIT);
      const file = await uploaded(alice, team.channelId, 'exact.txt', bytes);
      assert.equal(file.size, LIMIT);
      const served = await download(alice, file.id);
      assert.ok(served.bytes.equals(bytes));
      assertNoTemporaryFiles(server);
    });

    it('refuses one byte over with 413 FILE_TOO_LARGE and leaves no partial file in tmp or uploads', async () => {
      const blobsBefore = filesUnder(uploadsDir(server));
      assertError(await upload(alice, team.channelId, 'over.txt', textOf(LIMIT + 1)), 413, 'FILE_TOO_LARGE');
      assertNoTemporaryFiles(server);
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);
    });

    it('refuses a much larger body while streaming it, and keeps serving the connection', async () => {
      const blobsBefore = filesUnder(uploadsDir(server));
      assertError(await upload(alice, team.channelId, 'huge.txt', textOf(8 * 1024 * 1024)), 413, 'FILE_TOO_LARGE');
      assertNoTemporaryFiles(server);
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);
      // The server is fine afterwards.
      await uploaded(alice, team.channelId, 'after.txt', sample.text());
    });

    it('reads and discards the rest of a refused body, so the connection is released at once', async () => {
      // A parser left waiting on the abandoned file stream would hold the socket (and a graceful
      // shutdown) until the request timed out.
      const own = await startTestServer({ database, env: { UPLOAD_MAX_BYTES: String(LIMIT) } });
      const ownTeam = await setUpTeam(own, 1);
      assertError(await upload(ownTeam.members[0]!, ownTeam.channelId, 'huge.txt', textOf(4 * 1024 * 1024)), 413, 'FILE_TOO_LARGE');
      const started = Date.now();
      const closed = await Promise.race([own.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
      assert.ok(closed, `the server closed within 5 s (${Date.now() - started} ms)`);
    });

    it('a client that disconnects mid-upload leaves no partial file behind', async () => {
      const blobsBefore = filesUnder(uploadsDir(server));
      const { body, contentType } = rawMultipart('aborted.txt', textOf(LIMIT - 100));
      const url = new URL(`/api/v1/channels/${team.channelId}/files`, server.url);
      const req = http.request(url, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          'content-length': String(body.length),
          cookie: [...alice.client.jar].map(([n, c]) => `${n}=${c.value}`).join('; '),
          origin: alice.client.origin,
          'x-csrf-token': alice.client.cookie('csrf')!,
        },
      });
      req.on('error', () => {});
      req.write(body.subarray(0, body.length / 2));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(filesUnder(tmpDir(server)).length, 1, 'the upload is being streamed to a temporary file');
      req.destroy();
      const deadline = Date.now() + 3000;
      while (filesUnder(tmpDir(server)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assertNoTemporaryFiles(server);
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);
    });

    it('checks the size before the type: an oversized executable is 413, an oversized image too', async () => {
      const pe = Buffer.concat([sample.peExecutable(), Buffer.alloc(LIMIT)]);
      assertError(await upload(alice, team.channelId, 'big.png', pe), 413, 'FILE_TOO_LARGE');
      const png = Buffer.concat([await sample.png(), Buffer.alloc(LIMIT)]);
      assertError(await upload(alice, team.channelId, 'big.png', png), 413, 'FILE_TOO_LARGE');
      assertNoTemporaryFiles(server);
    });
  });
}
