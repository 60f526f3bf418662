import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { FileLimits } from '@relaydesk/protocol';
import { DATABASES, type TestServer } from '../../../testing/testServer.js';
import * as sample from '../../../testing/fileSamples.js';
import { assertError, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, download, filesUnder, upload, uploaded, uploadsDir, startUploaderTeam } from './fixtures.js';

const markers = Object.values(sample.EXIF_MARKERS);

function assertNoMarkers(bytes: Buffer, what: string): void {
  for (const m of markers) assert.ok(!bytes.includes(m), `${what} does not contain ${JSON.stringify(m)}`);
}

for (const database of DATABASES) {
  describe(`Images: re-encoded without metadata, with thumbnail and preview (${database})`, () => {
    let server: TestServer;
    let team: Team;
    let alice: Person;

    before(async () => ({ server, team, alice } = await startUploaderTeam({ database })));
    after(() => server.close());

    it('strips EXIF (camera, owner, GPS position) from the served image, thumbnail and preview', async () => {
      const original = await sample.jpegWithExif(64, 48, 6);
      // The sample really carries what must go: identifying text, a GPS IFD, an orientation.
      const before = await sharp(original).metadata();
      assert.ok(before.exif, 'the sample has EXIF');
      assert.ok(sample.exifIfd0Tags(before.exif).includes(sample.GPS_IFD_TAG), 'the sample has a GPS IFD');
      assert.equal(before.orientation, 6);
      for (const m of markers) assert.ok(original.includes(m), `the sample contains ${m}`);

      const file = await uploaded(alice, team.channelId, 'IMG_0001.jpg', original, { type: 'image/jpeg' });
      assert.equal(file.mime, 'image/jpeg');
      assert.equal(file.kind, 'image');
      for (const variant of ['content', 'thumbnail', 'preview'] as const) {
        const served = await download(alice, file.id, variant);
        assert.equal(served.status, 200, variant);
        const meta = await sharp(served.bytes).metadata();
        assert.equal(meta.exif, undefined, `${variant}: no EXIF at all`);
        assert.equal(meta.xmp, undefined, `${variant}: no XMP`);
        assert.ok(meta.orientation === undefined || meta.orientation === 1, `${variant}: no orientation left to apply`);
        assertNoMarkers(served.bytes, variant);
        assert.ok(!served.bytes.includes('Exif\0\0'), `${variant}: no EXIF header`);
      }
      const content = await download(alice, file.id);
      assert.equal(content.headers.get('content-type'), 'image/jpeg');
      assert.equal(content.bytes.length, file.size, 'the size is that of the served bytes');
      assert.equal(content.headers.get('content-length'), String(file.size));
    });

    it('applies the EXIF orientation before dropping it: the stored size is the displayed one', async () => {
      const file = await uploaded(alice, team.channelId, 'rotated.jpg', await sample.jpegWithExif(64, 48, 6));
      assert.deepEqual([file.width, file.height], [48, 64]);
      const meta = await sharp((await download(alice, file.id)).bytes).metadata();
      assert.deepEqual([meta.width, meta.height], [48, 64]);
    });

    it('strips EXIF and GPS from a WebP and text chunks from a PNG', async () => {
      const webp = await sample.webpWithExif();
      assert.ok((await sharp(webp).metadata()).exif, 'the sample has EXIF');
      const w = await uploaded(alice, team.channelId, 'pic.webp', webp);
      const servedWebp = await download(alice, w.id);
      assert.equal((await sharp(servedWebp.bytes).metadata()).exif, undefined);
      assertNoMarkers(servedWebp.bytes, 'webp');

      const secret = 'Author: Jane Doe, 12 Secret Street MARKER-7731';
      const png = await sample.pngWithText('Comment', secret);
      assert.ok(png.includes(secret), 'the sample carries the text chunk');
      assert.ok((await sharp(png).metadata()).width, 'the sample is a valid PNG');
      const p = await uploaded(alice, team.channelId, 'pic.png', png);
      const servedPng = await download(alice, p.id);
      assert.ok(!servedPng.bytes.includes(secret), 'the text chunk is gone');
      assert.equal((await sharp(servedPng.bytes).metadata()).format, 'png');
    });

    it('stores the dimensions and serves a WebP thumbnail and preview fitted in their boxes', async () => {
      const file = await uploaded(alice, team.channelId, 'wide.png', await sample.png(2000, 1000));
      assert.deepEqual([file.width, file.height], [2000, 1000]);
      assert.equal(file.url, `/api/v1/files/${file.id}/content`);
      assert.equal(file.thumbnailUrl, `/api/v1/files/${file.id}/thumbnail`);
      assert.equal(file.previewUrl, `/api/v1/files/${file.id}/preview`);

      const thumb = await download(alice, file.id, 'thumbnail');
      assert.equal(thumb.headers.get('content-type'), 'image/webp');
      const t = await sharp(thumb.bytes).metadata();
      assert.deepEqual([t.format, t.width, t.height], ['webp', FileLimits.thumbnailSize, FileLimits.thumbnailSize / 2]);

      const preview = await download(alice, file.id, 'preview');
      const p = await sharp(preview.bytes).metadata();
      assert.deepEqual([p.format, p.width, p.height], ['webp', FileLimits.previewSize, FileLimits.previewSize / 2]);

      const content = await sharp((await download(alice, file.id)).bytes).metadata();
      assert.deepEqual([content.format, content.width, content.height], ['png', 2000, 1000]);
    });

    it('does not enlarge a small image for its thumbnail', async () => {
      const file = await uploaded(alice, team.channelId, 'small.gif', await sample.gif(40, 30));
      const t = await sharp((await download(alice, file.id, 'thumbnail')).bytes).metadata();
      assert.deepEqual([t.width, t.height], [40, 30]);
      assert.deepEqual([file.width, file.height], [40, 30]);
    });

    it('keeps an animated GIF animated, with the frame size as its dimensions', async () => {
      const file = await uploaded(alice, team.channelId, 'anim.gif', await sample.animatedGif(16, 16));
      assert.deepEqual([file.width, file.height], [16, 16]);
      const meta = await sharp((await download(alice, file.id)).bytes, { animated: true }).metadata();
      assert.equal(meta.format, 'gif');
      assert.equal(meta.pages, 2);
    });

    it('gives other files no thumbnail or preview (null URLs, 404)', async () => {
      const file = await uploaded(alice, team.channelId, 'doc.pdf', sample.pdf());
      assert.equal(file.thumbnailUrl, null);
      assert.equal(file.previewUrl, null);
      assert.equal(file.width, null);
      assert.equal(file.height, null);
      assert.equal((await download(alice, file.id, 'thumbnail')).status, 404);
      assert.equal((await download(alice, file.id, 'preview')).status, 404);
    });

    it('refuses decompression bombs with 413 IMAGE_TOO_LARGE, keeping nothing', async () => {
      const blobsBefore = filesUnder(uploadsDir(server));
      const bombs: Array<[string, Buffer]> = [
        // A valid PNG: 20000 x 20000 = 400 million pixels, ~50 KB compressed.
        ['bomb.png', sample.pngPixelBomb(20_000, 20_000)],
        // One row past the limit (7072 x 7071 = 50,006,112 pixels).
        ['just-over.png', sample.pngPixelBomb(7072, 7071)],
        // Headers that lie: tiny data, huge claimed size.
        ['claims.png', sample.pngWithClaimedSize(100_000, 100_000)],
        ['claims.jpg', await sample.jpegWithClaimedSize(60_000, 60_000)],
      ];
      for (const [name, bytes] of bombs) {
        const started = Date.now();
        assertError(await upload(alice, team.channelId, name, bytes), 413, 'IMAGE_TOO_LARGE');
        assert.ok(Date.now() - started < 5000, `${name} is refused from its header, without decoding`);
      }
      assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore, 'nothing is stored');
      assertNoTemporaryFiles(server);
    });

    it('accepts an image just under the pixel limit (7071 x 7071 = 49,999,041 pixels)', async () => {
      assert.ok(7071 * 7071 <= FileLimits.maxPixels);
      const file = await uploaded(alice, team.channelId, 'big.png', sample.pngPixelBomb(7071, 7071));
      assert.deepEqual([file.width, file.height], [7071, 7071]);
    });
  });
}
