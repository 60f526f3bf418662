import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RelayDeskClient } from '@relaydesk/client';
import {
  apiAs,
  axeScan,
  byId,
  channelIdByName,
  composer,
  conversation,
  demoAppAndBrowser,
  DEV_CHANNEL,
  eventually,
  logIn,
  messageIn,
  newUserContext,
  openChannel,
  recordPageErrors,
  screenshot,
  storedCount,
  tabTo,
  tag,
  threadPanel,
  waitForOnline,
} from '../support/browser.js';

/** Relative luminance (WCAG) of a computed CSS colour such as `rgb(22, 24, 31)`. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

const colours = (page: Page) =>
  page.evaluate(() => {
    const main = document.querySelector('main') ?? document.body;
    const style = getComputedStyle(main);
    const bg = getComputedStyle(document.body).backgroundColor;
    return { background: bg, text: style.color };
  });

/**
 * Accessibility, keyboard use, themes and screen sizes, in Debian's Chromium against the real
 * server; the screenshots of the main screens land in test-output/screenshots/.
 */
describe('Web app in a real browser: accessibility, keyboard, themes and phone', () => {
  const app = demoAppAndBrowser();
  let api: RelayDeskClient;
  let channelId: string;

  before(async () => {
    api = await apiAs(app.server.url, 'alice_dev');
    channelId = await channelIdByName(api, DEV_CHANNEL);
  });

  it('axe-core finds no serious or critical violation on /login, /register and /rooms (light, dark, thread and emoji picker open)', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    const found: Record<string, string[]> = {};
    const scan = async (name: string) => {
      const { blocking, other } = await axeScan(page);
      found[name] = blocking;
      for (const v of other) t.diagnostic(`${name}: ${v}`);
    };

    await page.goto(`${app.server.url}/login`);
    await page.getByRole('heading', { name: 'Log in to RelayDesk' }).waitFor();
    await scan('/login');
    await screenshot(page, 'login');

    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await scan('/register');
    // With the API's field errors shown next to the fields.
    await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
    await page.getByRole('textbox', { name: 'Username' }).fill('x');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor();
    await scan('/register with field errors');
    await screenshot(page, 'register-errors');

    await logIn(page, app.server.url, 'alice_dev');
    await openChannel(page, DEV_CHANNEL);
    await scan('/rooms');
    await screenshot(page, 'rooms');

    const release = messageIn(page, 'Release 2.4 goes out Thursday');
    await release.getByRole('button', { name: '2 replies' }).click();
    await threadPanel(page).getByText('Booked 14:00–15:00 UTC.').waitFor();
    await release.hover();
    await release.getByRole('button', { name: 'Add reaction' }).click();
    await release.getByRole('group', { name: 'Pick a reaction' }).waitFor();
    await scan('/rooms with a thread and the emoji picker open');

    await page.keyboard.press('Escape');
    await page.emulateMedia({ colorScheme: 'dark' });
    await scan('/rooms in the dark theme');

    assert.deepEqual(found, {
      '/login': [],
      '/register': [],
      '/register with field errors': [],
      '/rooms': [],
      '/rooms with a thread and the emoji picker open': [],
      '/rooms in the dark theme': [],
    });
  });

  it('keyboard only: log in, reach the composer by Tab alone and by the skip link, send with Enter, react to a message', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    const errors = recordPageErrors(page);

    await page.goto(`${app.server.url}/login`);
    await page.locator('input[name="username"]:focus').waitFor(); // focused on arrival
    await page.keyboard.type('carol_ops');
    await page.keyboard.press('Tab');
    await page.keyboard.type('demo123');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === '/rooms');
    await waitForOnline(page);
    await page.getByRole('heading', { level: 1, name: `# ${DEV_CHANNEL}` }).waitFor();

    // 1. Tab alone, from the top of the page: the first stop is the skip link, then on to the composer.
    const stops = await tabTo(page, 'textarea[placeholder="Type a message..."]');
    assert.equal(stops[0], 'a "Skip to message box"', 'the skip link comes first');
    assert.deepEqual(stops.filter((s) => s.endsWith('(in a message)')), [], `messages add no Tab stops: ${stops.join(' → ')}`);
    t.diagnostic(`${stops.length} Tab stops to the composer`);
    const first = `Typed without a mouse ${tag()}`;
    await page.keyboard.type(first);
    await page.keyboard.press('Enter');
    await messageIn(page, first).waitFor();
    assert.equal(await composer(page).inputValue(), '');
    assert.ok(await composer(page).evaluate((el) => el === document.activeElement), 'focus stays in the composer');

    // 2. The skip link: visible when focused, and it puts the focus into the composer.
    await page.reload();
    await waitForOnline(page);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to message box' });
    assert.ok(await skip.evaluate((el) => el === document.activeElement), 'the first Tab stop is the skip link');
    const box = await skip.boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0 && box.width > 0, `the focused skip link is on screen: ${JSON.stringify(box)}`);
    await page.keyboard.press('Enter');
    assert.ok(await composer(page).evaluate((el) => el === document.activeElement), 'the skip link focuses the composer');
    const second = `Straight from the skip link ${tag()}`;
    await page.keyboard.type(second);
    await page.keyboard.press('Enter');
    const sent = messageIn(page, second);
    await sent.waitFor();
    assert.equal(await storedCount(api, channelId, first), 1);
    assert.equal(await storedCount(api, channelId, second), 1);

    // 3. Messages are one Tab stop, not one per control: from the composer, Shift+Tab reaches the
    // message list; Up moves to the newest message, Up again to the one before, Down back; Tab
    // goes into the selected message's actions. React with the picker, by keyboard.
    const id = await sent.getAttribute('data-message-id');
    const back = await tabTo(page, '[role="log"][aria-label="Messages"]', { backwards: true, max: 10 });
    assert.deepEqual(back.filter((s) => s.endsWith('(in a message)')), [], `no message control between the composer and the list: ${back.join(' → ')}`);
    await page.keyboard.press('ArrowUp');
    await byId(page, id!).and(page.locator(':focus')).waitFor();
    const firstId = await messageIn(page, first).getAttribute('data-message-id');
    await page.keyboard.press('ArrowUp');
    await byId(page, firstId!).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('ArrowDown');
    await byId(page, id!).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Tab');
    await byId(page, id!).getByRole('button', { name: 'Add reaction' }).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Enter');
    const picker = byId(page, id!).getByRole('group', { name: 'Pick a reaction' });
    await picker.getByRole('button', { name: 'React with 👍' }).and(page.locator(':focus')).waitFor(); // focus moves into the picker
    // End and Home move within the picker; the message list around it leaves them alone.
    await page.keyboard.press('End');
    await picker.getByRole('button').last().and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Home');
    await picker.getByRole('button', { name: 'React with 👍' }).and(page.locator(':focus')).waitFor();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await byId(page, id!).getByRole('button', { name: '🎉 1' }).waitFor();
    await picker.waitFor({ state: 'detached' });
    await eventually(
      async () => (await api.api.messages.get(id!)).reactions.map((r) => r.emoji),
      (emoji) => emoji.includes('🎉'),
      'the reaction stored',
    );
    assert.deepEqual(errors, []);
  });

  it('dark theme: follows the system preference, and the theme menu overrides it (kept across a reload)', async (t) => {
    const { context, page } = await newUserContext(app.browser, { colorScheme: 'dark' });
    t.after(() => context.close());
    await logIn(page, app.server.url, 'bob_design');
    await openChannel(page, DEV_CHANNEL);
    const dark = await colours(page);
    assert.ok(luminance(dark.background) < 0.05 && luminance(dark.text) > 0.6, `dark: ${JSON.stringify(dark)}`);
    await screenshot(page, 'rooms-dark');

    const theme = conversation(page).getByRole('combobox', { name: /^Theme/ });
    await theme.selectOption('light');
    const light = await colours(page);
    assert.ok(luminance(light.background) > 0.9 && luminance(light.text) < 0.05, `light despite a dark system: ${JSON.stringify(light)}`);
    await page.reload();
    await waitForOnline(page);
    assert.deepEqual(await colours(page), light, 'the choice is remembered');
    await page.getByRole('combobox', { name: /^Theme/ }).selectOption('system');
    assert.deepEqual(await colours(page), dark);
  });

  it('phone-sized screen: no sideways scrolling, the channel list is a drawer, nothing off-screen takes the focus', async (t) => {
    const { context, page } = await newUserContext(app.browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    t.after(() => context.close());
    await logIn(page, app.server.url, 'alice_dev');
    await page.getByRole('heading', { level: 1, name: `# ${DEV_CHANNEL}` }).waitFor();

    const fits = () => page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth }));
    const size = await fits();
    assert.ok(size.scrollWidth <= size.width, `no horizontal scroll: ${JSON.stringify(size)}`);
    const send = await conversation(page).getByRole('button', { name: 'Send', exact: true }).boundingBox();
    assert.ok(send && send.x + send.width <= 390 && send.y + send.height <= 844, `the Send button is on screen: ${JSON.stringify(send)}`);
    await screenshot(page, 'phone-rooms');

    // Every Tab stop is somewhere the user can see (the closed drawer must not take the focus).
    const offScreen: string[] = [];
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      const where = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const r = el.getBoundingClientRect();
        const visible = r.right > 0 && r.bottom > 0 && r.left < window.innerWidth && r.top < window.innerHeight && r.width > 0;
        return visible ? null : `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}" at x=${Math.round(r.left)}`;
      });
      if (where) offScreen.push(where);
    }
    assert.deepEqual(offScreen, [], 'Tab stops outside the screen');

    // The drawer opens with the focus in it (on the current channel); Escape closes it, back to its toggle.
    const toggle = conversation(page).getByRole('button', { name: 'Show channels' });
    const nav = page.getByRole('navigation', { name: 'Channels', includeHidden: true }); // found closed too
    await toggle.click();
    await nav.getByRole('button', { name: /^Development Team\b/ }).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Escape');
    await toggle.and(page.locator(':focus')).waitFor();
    await eventually(
      () => nav.evaluate((el) => getComputedStyle(el).visibility),
      (v) => v === 'hidden',
      'the drawer closes on Escape',
    );

    // It shows the channels, and closes on picking one.
    await toggle.click();
    const general = nav.getByRole('button', { name: /^General\b/ });
    await eventually(
      async () => (await general.boundingBox())?.x ?? -1,
      (x) => x >= 0,
      'the drawer slides in',
    );
    await screenshot(page, 'phone-channels');
    await general.click();
    await page.getByRole('heading', { level: 1, name: '# General' }).waitFor();
    await eventually(
      async () => nav.evaluate((el) => el.getBoundingClientRect().right),
      (right) => right <= 0,
      'the drawer closes',
    );
    const body = `Sent from a phone ${tag()}`;
    await composer(page).fill(body);
    await conversation(page).getByRole('button', { name: 'Send', exact: true }).tap();
    await messageIn(page, body).waitFor();
  });
});
