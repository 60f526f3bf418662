import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { FileLimits } from '@relaydesk/protocol';
import { DATABASES, type TestServer } from '../../../testing/testServer.js';
import { sweepUnattached } from '../../../actions/fileUploader.js';
import type { AppContext } from '../../../context.js';
import type { FileRecord } from '../../../storage/port.js';
import * as sample from '../../../testing/fileSamples.js';
import type { Person, Team } from '../messages/fixtures.js';
import { blobPathsOf, download, uploaded, startUploaderTeam } from './fixtures.js';

const TTL = FileLimits.unattachedTtlMs;

for (const database of DATABASES) {
  describe(`Garbage collection of unattached uploads (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;

    before(async () => ({ server, team, alice } = await startUploaderTeam({ database })));
    after(() => server.close());

    /** The server's context seen from `ms` in the future: the sweep's clock, not the tokens'. */
    const later = (ms: number): AppContext => ({ ...server.ctx, clock: { now: () => Date.now() + ms } });

    it('keeps unattached uploads younger than the TTL and attached ones of any age', async () => {
      const fresh = await uploaded(alice, team.channelId, 'fresh.png', await sample.png());
      const kept = await uploaded(alice, team.channelId, 'kept.pdf', sample.pdf());
      assert.equal((await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'keep', attachmentIds: [kept.id] })).status, 201);
      const keptBlobs = await blobPathsOf(server, kept.id);
      const freshBlobs = await blobPathsOf(server, fresh.id);
      await sweepUnattached(later(TTL - 60_000), TTL);
      assert.equal((await download(alice, fresh.id)).status, 200, 'younger than the TTL');
      for (const p of freshBlobs) assert.ok(fs.existsSync(p));
      // Far in the future the attached file is still there; the unattached one is not.
      await sweepUnattached(later(10 * TTL), TTL);
      assert.equal((await download(alice, kept.id)).status, 200, 'attached files are never swept');
      for (const p of keptBlobs) assert.ok(fs.existsSync(p));
      assert.equal((await download(alice, fresh.id)).status, 404);
    });

    it('deletes unattached uploads past the TTL with their blobs (original, thumbnail, preview)', async () => {
      const image = await uploaded(alice, team.channelId, 'old.jpg', await sample.jpeg());
      const doc = await uploaded(alice, team.channelId, 'old.txt', sample.text());
      const blobs = [...(await blobPathsOf(server, image.id)), ...(await blobPathsOf(server, doc.id))];
      assert.equal(blobs.length, 4);
      const swept = await sweepUnattached(later(TTL + 1000), TTL);
      assert.ok(swept >= 2, `swept ${swept}`);
      for (const id of [image.id, doc.id]) {
        assert.equal((await alice.client.get(`/api/v1/files/${id}`)).status, 404);
        assert.equal((await download(alice, id)).status, 404);
        assert.equal(await server.storage.files.findById(id), undefined);
      }
      for (const p of blobs) assert.ok(!fs.existsSync(p), `${p} is deleted`);
      // A swept upload can no longer be attached.
      const res = await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'late', attachmentIds: [doc.id] });
      assert.equal(res.status, 400, res.text);
      // Sweeping again finds nothing more.
      assert.equal(await sweepUnattached(later(TTL + 1000), TTL), 0);
    });

    it('with a TTL of 0, sweeps every upload not attached by now', async () => {
      const file = await uploaded(alice, team.channelId, 'now.txt', sample.text());
      const [blob] = await blobPathsOf(server, file.id);
      await new Promise((r) => setTimeout(r, 5));
      assert.ok((await sweepUnattached(server.ctx, 0)) >= 1);
      assert.equal((await download(alice, file.id)).status, 404);
      assert.ok(!fs.existsSync(blob!));
    });

    it('does not delete the blob of an upload attached while the sweep ran', async () => {
      // The sweep selects candidates, then marks those still unattached. A send that attaches one
      // in between wins: the row stays live, so its bytes must stay too.
      const file = await uploaded(alice, team.channelId, 'raced.png', await sample.png());
      const stale = (await server.storage.files.findById(file.id)) as FileRecord;
      const blobs = await blobPathsOf(server, file.id);
      assert.equal((await alice.client.post(`/api/v1/channels/${team.channelId}/messages`, { body: 'just in time', attachmentIds: [file.id] })).status, 201);
      const store = server.storage.files;
      const original = store.deleteUnattached.bind(store);
      store.deleteUnattached = async (before: number, now: number) => [...(await original(before, now)), stale];
      try {
        await sweepUnattached(later(TTL + 1000), TTL);
      } finally {
        store.deleteUnattached = original;
      }
      for (const p of blobs) assert.ok(fs.existsSync(p), `${p} survives`);
      assert.equal((await download(alice, file.id)).status, 200);
      assert.equal((await download(alice, file.id, 'thumbnail')).status, 200);
    });
  });
}
