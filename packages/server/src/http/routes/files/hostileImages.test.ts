import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { FileLimits } from '@relaydesk/protocol';
import type { TestServer } from '../../../testing/testServer.js';
import { TestClient } from '../../../testing/httpClient.js';
import * as sample from '../../../testing/fileSamples.js';
import { imageQueue, inspectImage, transcodeImage } from '../../../files/imageProcessor.js';
import { solidAnimatedGif, webpWithClaimedSize } from '../../../testing/hostileImages.js';
import { assertError, newWorkspaceMember, type Person, type Team } from '../messages/fixtures.js';
import { assertNoTemporaryFiles, filesUnder, upload, uploaded, uploadsDir, startUploaderTeam } from './fixtures.js';

describe('Hostile images: the work per upload is bounded, and the server stays responsive', () => {
  let server: TestServer;
  let team: Team;
  let alice: Person;
  before(async () => ({ server, team, alice } = await startUploaderTeam({})));
  after(() => server.close());

  it('the audit’s 78 frames of 800x800 (50 Mpx decoded from ~100 KB) is refused from its header: 413 IMAGE_TOO_LARGE, nothing kept', async () => {
    const gif = solidAnimatedGif(78, 800, 800);
    assert.ok(gif.length < 150_000, `${gif.length} bytes`);
    const meta = await sharp(gif, { animated: true }).metadata();
    assert.deepEqual([meta.pages, meta.width, meta.pageHeight], [78, 800, 800]);
    const blobsBefore = filesUnder(uploadsDir(server));
    const started = performance.now();
    assertError(await upload(alice, team.channelId, 'party.gif', gif), 413, 'IMAGE_TOO_LARGE');
    assert.ok(performance.now() - started < 5000, 'refused without decoding');
    assert.deepEqual(filesUnder(uploadsDir(server)), blobsBefore);
    assertNoTemporaryFiles(server);
  });

  it('GIF: exactly the budget over all frames passes (25 frames of 8000x80 = 16 Mpx), one row more fails', async () => {
    assert.equal(25 * 8000 * 80, FileLimits.maxGifWebpPixels);
    const file = await uploaded(alice, team.channelId, 'at-limit.gif', solidAnimatedGif(25, 8000, 80));
    assert.deepEqual([file.width, file.height], [8000, 80]);
    assertError(await upload(alice, team.channelId, 'over.gif', solidAnimatedGif(25, 8000, 81)), 413, 'IMAGE_TOO_LARGE');
  });

  it('frames: exactly the limit passes (1,000 frames of 2x2), one more fails', async () => {
    await uploaded(alice, team.channelId, 'many.gif', solidAnimatedGif(FileLimits.maxFrames, 2, 2));
    assertError(await upload(alice, team.channelId, 'too-many.gif', solidAnimatedGif(FileLimits.maxFrames + 1, 2, 2)), 413, 'IMAGE_TOO_LARGE');
  });

  it('WebP: a header of 4000x4000 is within the budget, 4000x4001 is refused before decoding', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-webp-'));
    try {
      const atLimit = path.join(dir, 'at-limit.webp');
      fs.writeFileSync(atLimit, await webpWithClaimedSize(4000, 4000));
      assert.equal((await inspectImage(atLimit, 'image/webp')).pixels, FileLimits.maxGifWebpPixels);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assertError(await upload(alice, team.channelId, 'over.webp', await webpWithClaimedSize(4000, 4001)), 413, 'IMAGE_TOO_LARGE');
  });

  it('processing past the time budget is stopped and refused as IMAGE_TOO_LARGE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-slow-'));
    try {
      const file = path.join(dir, 'slow.png');
      fs.writeFileSync(file, sample.pngPixelBomb(7071, 7071));
      const plan = await inspectImage(file, 'image/png');
      // Re-encoding 50 Mpx takes far longer than 50 ms anywhere: the next step is not started.
      await assert.rejects(transcodeImage(plan, 0.05), (e: Error & { code?: string }) => e.code === 'IMAGE_TOO_LARGE' && /took more than/.test(e.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a user has at most 3 images in processing: the 4th is refused at once with 429 and Retry-After', async () => {
    const bomb = sample.pngPixelBomb(4000, 4000);
    const three = [1, 2, 3].map((i) => upload(alice, team.channelId, `bomb${i}.png`, bomb));
    await new Promise((r) => setTimeout(r, 100)); // the three are in (their bytes are small)
    const fourth = await upload(alice, team.channelId, 'bomb4.png', bomb);
    assertError(fourth, 429, 'RATE_LIMITED');
    assert.ok(Number(fourth.headers.get('retry-after')) >= 1);
    for (const res of await Promise.all(three)) assert.equal(res.status, 201, res.text);
  });

  it('while 8 hostile uploads are processed, a login completes before any of them is answered', async () => {
    // Three uploaders (at most three images each in flight), eight 16 Mpx decompression bombs of
    // 2 KB: every one is decoded and re-encoded in full.
    const uploaders = [alice, await newWorkspaceMember(server, team), await newWorkspaceMember(server, team)];
    for (const u of uploaders.slice(1)) assert.equal((await u.client.post(`/api/v1/channels/${team.channelId}/join`)).status, 200);
    const bomb = sample.pngPixelBomb(4000, 4000);
    // Image work runs one job at a time, the rest waiting: sampled throughout.
    let mostRunning = 0;
    let mostWaiting = 0;
    const sampler = setInterval(() => {
      mostRunning = Math.max(mostRunning, imageQueue.load.running);
      mostWaiting = Math.max(mostWaiting, imageQueue.load.waiting);
    }, 2);
    let answered = 0;
    const uploads = Array.from({ length: 8 }, (_, i) =>
      upload(uploaders[i % 3]!, team.channelId, `hostile${i}.png`, bomb).then((res) => {
        answered += 1;
        return res;
      }),
    );
    await new Promise((r) => setTimeout(r, 50)); // the uploads are in and being processed
    const login = await new TestClient(server.url).post('/api/v1/auth/login', { username: alice.user.username, password: 'correct horse battery' });
    assert.equal(login.status, 200, login.text);
    assert.equal(answered, 0, 'the login did not wait for image work');
    const results = await Promise.all(uploads);
    clearInterval(sampler);
    for (const res of results) assert.equal(res.status, 201, res.text);
    assert.equal(mostRunning, 1, 'one image at a time');
    assert.ok(mostWaiting >= 5, `${mostWaiting} waited their turn`);
  });
});
