import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FileLimits } from '@relaydesk/protocol';
import { DATABASES, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { assertError, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, blobPathsOf, download, filesUnder, uploadRaw, uploadsDir, startUploaderTeam } from './fixtures.js';

/** A stored blob lives at uploads/<first two chars>/<server id>[-thumb|-preview]. */
const BLOB_PATH = /^[0-9a-f]{2}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-thumb|-preview)?$/;

for (const database of DATABASES) {
  describe(`Upload names: sanitized for display, never used for storage (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;
    /** Every file under the data directory's parent before the suite, to spot anything created outside. */
    let outsideBefore: string[];

    before(async () => {
      ({ server, team, alice } = await startUploaderTeam({ database }));
      outsideBefore = fs.readdirSync(path.dirname(server.dataDir));
    });
    after(() => server.close());

    /** Uploads with the exact name bytes; expects 201 and checks the blob's path. */
    async function stored(rawName: string, bytes: Buffer): Promise<{ name: string; id: string }> {
      const res = await uploadRaw(alice, team.channelId, rawName, bytes);
      assert.equal(res.status, 201, `${JSON.stringify(rawName)}: ${res.text}`);
      const record = await server.storage.files.findById(res.body.id);
      assert.equal(record?.blobKey, res.body.id, 'the blob key is the server-generated id');
      for (const p of await blobPathsOf(server, res.body.id)) {
        assert.ok(fs.existsSync(p), `${p} exists`);
        assert.match(path.relative(uploadsDir(server), p).split(path.sep).join('/'), BLOB_PATH);
      }
      return { name: res.body.name, id: res.body.id };
    }

    it('keeps only the last path segment of a traversal name, and stores under the id', async () => {
      assert.equal((await stored('../../etc/passwd.png', await sample.png())).name, 'passwd.png');
      assert.equal((await stored('..\\..\\win.ini.txt', sample.text())).name, 'win.ini.txt');
      assert.equal((await stored('/var/www/html/shell.txt', sample.text())).name, 'shell.txt');
      assert.equal((await stored('C:\\Windows\\System32\\drivers\\etc\\hosts.txt', sample.text())).name, 'hosts.txt');
      assert.equal((await stored('..', sample.text())).name, 'file');
      assert.equal((await stored('....//....//x.txt', sample.text())).name, 'x.txt');
    });

    it('removes control, bidi-override and reserved characters, and leading dots', async () => {
      assert.equal((await stored('a\u0000b.txt', sample.text())).name, 'ab.txt');
      assert.equal((await stored('\u0007bell\u001b[31m\u007f.txt', sample.text())).name, 'bell[31m.txt');
      assert.equal((await stored('invoice\u202egpj.txt', sample.text())).name, 'invoicegpj.txt');
      assert.equal((await stored('zero\u200bwidth\u2066.txt', sample.text())).name, 'zerowidth.txt');
      assert.equal((await stored('.htaccess.txt', sample.text())).name, 'htaccess.txt');
      assert.equal((await stored('  spaced   out  .txt', sample.text())).name, 'spaced out .txt');
      assert.equal((await stored('what?*<x>|"y":.txt', sample.text())).name, 'whatxy.txt');
      assert.equal((await stored('\u0001\u0002', sample.text())).name, 'file');
    });

    it('judges the extension after sanitizing: a right-to-left override cannot hide .exe', async () => {
      // Displayed by a bidi-aware UI as "invoice‮txt.exe" → "invoiceexe.txt"; it is an .exe.
      assertError(await uploadRaw(alice, team.channelId, 'invoice\u202etxt.exe', sample.text()), 415, 'FILE_EXECUTABLE');
      assertError(await uploadRaw(alice, team.channelId, 'shell.txt\u0000.php', sample.text()), 415, 'FILE_EXECUTABLE');
      // The other way round it is a text file with an odd name, stored as text under its id.
      assert.equal((await stored('shell.php\u0000.txt', sample.text())).name, 'shell.php.txt');
    });

    it('NFC-normalises the name and keeps non-Latin scripts', async () => {
      assert.equal((await stored('cafe\u0301 menu.txt', sample.text())).name, 'caf\u00e9 menu.txt');
      assert.equal((await stored('報告書 2024.pdf', sample.pdf())).name, '報告書 2024.pdf');
      assert.equal((await stored('😀 party.png', await sample.png())).name, '😀 party.png');
    });

    it('caps a 500-character name at the limit, keeping the extension', async () => {
      const { name } = await stored(`${'a'.repeat(496)}.txt`, sample.text());
      assert.equal([...name].length, FileLimits.nameMax);
      assert.ok(name.endsWith('.txt'));
      const emoji = await stored(`${'😀'.repeat(400)}.pdf`, sample.pdf());
      assert.equal([...emoji.name].length, FileLimits.nameMax, 'counted in code points, never splitting a surrogate pair');
      assert.ok(emoji.name.endsWith('.pdf'));
      assert.ok(!/[\ud800-\udfff]/.test(emoji.name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')), 'no lone surrogate');
    });

    it('serves the sanitized name in Content-Disposition, with an ASCII fallback and an RFC 5987 form', async () => {
      const { id } = await stored("O'Brien (final) 報告 \"draft\".pdf", sample.pdf());
      const res = await download(alice, id);
      const cd = res.headers.get('content-disposition') ?? '';
      assert.ok(cd.startsWith('attachment; '), cd);
      assert.ok(cd.includes(`filename="O'Brien (final) __ draft.pdf"`), cd);
      assert.ok(cd.includes("filename*=UTF-8''O%27Brien%20%28final%29%20%E5%A0%B1%E5%91%8A%20draft.pdf"), cd);
      assert.ok(!/[\r\n]/.test(cd));
    });

    it('creates nothing outside DATA_DIR/uploads: only id-named blobs, no trace of the names', async () => {
      for (const name of ['../../../escape.txt', '../uploads/../../escape2.txt', '..\\..\\escape3.txt', '/tmp/escape4.txt']) {
        await stored(name, sample.text());
      }
      const all = filesUnder(server.dataDir).map((p) => p.split(path.sep).join('/'));
      const blobs = all.filter((p) => p.startsWith('uploads/'));
      for (const p of blobs) assert.match(p.slice('uploads/'.length), BLOB_PATH);
      assert.ok(!all.some((p) => /escape|passwd|win\.ini|hosts|shell/.test(p)), 'no stored path comes from a name');
      assert.deepEqual(
        fs.readdirSync(path.dirname(server.dataDir)).filter((e) => !outsideBefore.includes(e) && /^(escape\d?\.txt|passwd\.png|win\.ini\.txt|etc|uploads)$/.test(e)),
        [],
        'nothing appeared next to the data directory',
      );
      assert.ok(!fs.existsSync(path.join(server.dataDir, 'escape.txt')));
      assertNoTemporaryFiles(server);
    });
  });
}
