import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import {
  composer,
  conversation,
  demoAppAndBrowser,
  DEV_CHANNEL,
  eventually,
  logIn,
  newUserContext,
  openChannel,
  recordPageErrors,
  screenshot,
  tag,
  timeline,
  UI_TIMEOUT,
} from '../support/browser.js';

/** A small PDF that file-type recognises and the policy accepts (no scripts, no actions). */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/** True once an <img> has decoded real pixels (a broken or refused image has naturalWidth 0). */
const decoded = (page: Page, selector: string) =>
  page.locator(selector).first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0).catch(() => false);

/**
 * Files in the browser: one person attaches an image and a PDF, the other sees the thumbnail, the
 * lightbox preview and the file card; a voice message recorded with MediaRecorder (Chromium's fake
 * microphone) plays in the other person's browser, with its duration shown.
 */
describe('Web app in a real browser: files and voice messages', () => {
  const app = demoAppAndBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required']);

  it('an image and a PDF attached by one user show as a thumbnail (with a lightbox) and a file card to another', async (t) => {
    const alice = await newUserContext(app.browser);
    const bob = await newUserContext(app.browser);
    t.after(() => Promise.all([alice.context.close(), bob.context.close()]));
    const errors = recordPageErrors(bob.page);
    await Promise.all([logIn(alice.page, app.server.url, 'alice_dev'), logIn(bob.page, app.server.url, 'bob_design')]);
    await Promise.all([openChannel(alice.page, DEV_CHANNEL), openChannel(bob.page, DEV_CHANNEL)]);

    const photo = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#3b82f6' } }).png().toBuffer();
    const caption = `files ${tag()}`;
    await conversation(alice.page).getByTestId('file-input').setInputFiles([
      { name: 'photo.png', mimeType: 'image/png', buffer: photo },
      { name: 'notes.pdf', mimeType: 'application/pdf', buffer: PDF },
    ]);
    const uploads = conversation(alice.page).getByRole('list', { name: 'Attachments' });
    await uploads.locator('li[data-status="done"]').nth(1).waitFor({ timeout: UI_TIMEOUT });
    await composer(alice.page).fill(caption);
    await conversation(alice.page).getByRole('button', { name: 'Send' }).click();

    const message = timeline(bob.page).locator('article[data-message-id]').filter({ hasText: caption });
    await message.waitFor();
    const thumb = message.getByRole('img', { name: 'photo.png' });
    await thumb.waitFor();
    assert.equal(await eventually(() => decoded(bob.page, `article:has-text("${caption}") img[alt="photo.png"]`), Boolean, 'the thumbnail loaded'), true);
    // Space is reserved from the stored dimensions: 640×400 scaled into 320 px.
    assert.deepEqual(await thumb.evaluate((img: HTMLImageElement) => [img.getAttribute('width'), img.getAttribute('height')]), ['320', '200']);
    const card = message.getByRole('link', { name: /notes\.pdf/ });
    assert.match((await card.getAttribute('href')) ?? '', /^\/api\/v1\/files\/[^/]+\/content$/);
    assert.match((await card.textContent()) ?? '', /application\/pdf/);

    await message.getByRole('button', { name: 'Open image photo.png' }).click();
    const lightbox = bob.page.getByRole('dialog', { name: 'photo.png' });
    await lightbox.waitFor();
    assert.equal(await eventually(() => decoded(bob.page, 'dialog img[alt="photo.png"]'), Boolean, 'the preview loaded'), true);
    await screenshot(bob.page, 'files-lightbox');
    await bob.page.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'hidden' });
    assert.deepEqual(errors, []);
  });

  it('a voice message recorded in one browser plays in the other, with its duration', async (t) => {
    const alice = await newUserContext(app.browser, { permissions: ['microphone'] });
    const bob = await newUserContext(app.browser);
    t.after(() => Promise.all([alice.context.close(), bob.context.close()]));
    await Promise.all([logIn(alice.page, app.server.url, 'alice_dev'), logIn(bob.page, app.server.url, 'bob_design')]);
    await Promise.all([openChannel(alice.page, DEV_CHANNEL), openChannel(bob.page, DEV_CHANNEL)]);
    const before = await timeline(bob.page).locator('audio').count();

    await conversation(alice.page).getByRole('button', { name: 'Record voice message' }).click();
    await conversation(alice.page).getByRole('status').filter({ hasText: /Recording 0:0[1-9]/ }).waitFor();
    await conversation(alice.page).getByRole('button', { name: 'Stop recording and send' }).click();

    await eventually(() => timeline(bob.page).locator('audio').count(), (n) => n > before, 'the voice message reached the other browser');
    const audio = timeline(bob.page).locator('audio').last();
    assert.match((await audio.getAttribute('aria-label')) ?? '', /^Voice message voice-message\.(webm|ogg)$/);
    const duration = audio.locator('xpath=..').locator('.duration');
    assert.match((await duration.textContent()) ?? '', /^0:0[1-9]$/, 'the recorded length is shown');

    const played = await audio.evaluate(async (el: HTMLAudioElement) => {
      await el.play();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { paused: el.paused, time: el.currentTime, error: el.error?.code ?? null };
    });
    assert.equal(played.error, null);
    assert.equal(played.paused, false, 'playing');
    assert.ok(played.time > 0, `the playhead moved (${played.time})`);
    await screenshot(bob.page, 'voice-message');
  });
});
