import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RelayDeskClient } from '@relaydesk/client';
import {
  apiAs,
  channelIdByName,
  composer,
  demoAppAndBrowser,
  DEV_CHANNEL,
  eventually,
  logIn,
  messageIn,
  newUserContext,
  openChannel,
  screenshot,
  storedCount,
  tag,
  timeline,
  waitForOnline,
} from '../support/browser.js';

/** How long the app may take to notice the server is back: its reconnect backoff, with full jitter. */
const RECONNECT_TIMEOUT = 45_000;

/** Records every state the connection banner shows (`data-connection`), however briefly. */
async function watchBanner(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __banner: string[] };
    w.__banner = [];
    const note = () => {
      const state = document.querySelector('[data-connection]')?.getAttribute('data-connection') ?? 'online';
      if (w.__banner.at(-1) !== state) w.__banner.push(state);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-connection'] });
  });
  return () => page.evaluate(() => (window as unknown as { __banner: string[] }).__banner);
}

/** The connection banner (shown whenever the app is not live). */
const connectionBanner = (page: Page) => page.getByRole('status').and(page.locator('[data-connection]'));

/** The outbox as the page shows it: bodies of pending messages and their status. */
const pending = (page: Page) => timeline(page).locator('article.pending');

/** What the web app's outbox holds in IndexedDB (database "relaydesk", store "outbox"). */
function storedOutbox(page: Page): Promise<{ body: string; clientMessageId: string }[]> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('relaydesk');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('outbox')) return resolve([]);
          const all = db.transaction('outbox').objectStore('outbox').getAll();
          all.onsuccess = () => resolve(all.result.map((i: { body: string; clientMessageId: string }) => ({ body: i.body, clientMessageId: i.clientMessageId })));
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/**
 * The server goes away and comes back (same port, same data) while a user keeps writing: what was
 * typed meanwhile is shown as pending, kept across a reload, and delivered exactly once.
 */
describe('Web app in a real browser: server down, messages queued, server back', () => {
  const app = demoAppAndBrowser();
  let api: () => Promise<RelayDeskClient>;
  let channelId: string;

  before(async () => {
    api = () => apiAs(app.server.url, 'alice_dev'); // a fresh sign-in: the server restarts between uses
    channelId = await channelIdByName(await api(), DEV_CHANNEL);
  });

  it('two messages sent while the server is down show as pending under an offline/reconnecting banner, then are delivered once each', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    await logIn(page, app.server.url, 'alice_dev');
    await openChannel(page, DEV_CHANNEL);
    const banner = await watchBanner(page);

    await app.server.stop();
    const status = connectionBanner(page);
    await status.waitFor();

    const bodies = [`Written while the server was down ${tag()}`, `And a second one ${tag()}`];
    for (const body of bodies) {
      await composer(page).fill(body);
      await composer(page).press('Enter');
    }
    for (const body of bodies) await pending(page).filter({ hasText: body }).getByText('Sending…').waitFor();
    await status.filter({ hasText: '2 messages waiting to send.' }).waitFor();
    assert.equal(await messageIn(page, bodies[0]!).count(), 0, 'not shown as delivered');
    await screenshot(page, 'rooms-offline-pending');

    await app.server.restart();
    for (const body of bodies) await messageIn(page, body).waitFor({ timeout: RECONNECT_TIMEOUT });
    await pending(page).first().waitFor({ state: 'detached' });
    await status.waitFor({ state: 'detached' });

    const client = await api();
    for (const body of bodies) {
      assert.equal(await storedCount(client, channelId, body), 1, `stored exactly once: ${body}`);
      assert.equal(await messageIn(page, body).count(), 1, `shown exactly once: ${body}`);
    }
    const history = (await client.api.channels.history(channelId, { limit: 2 })).messages.reverse();
    assert.deepEqual(history.map((m) => m.body), bodies, 'in the order they were written');
    assert.deepEqual(await storedOutbox(page), [], 'nothing left in the stored outbox');

    const seen = await banner();
    t.diagnostic(`banner states: ${seen.join(' → ')}`);
    assert.equal(seen[0], 'online');
    assert.ok(seen[1] === 'reconnecting' || seen[1] === 'offline', `the banner said the connection was lost: ${seen.join(' → ')}`);
    assert.equal(seen.at(-1), 'online');
  });

  it('a reload while a send is pending loses nothing: the outbox is in IndexedDB, delivered once when the server is back', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    await logIn(page, app.server.url, 'alice_dev');
    await openChannel(page, DEV_CHANNEL);

    await app.server.stop();
    await connectionBanner(page).waitFor();
    const body = `Survives a reload ${tag()}`;
    await composer(page).fill(body);
    await composer(page).press('Enter');
    await pending(page).filter({ hasText: body }).waitFor();
    const queued = await eventually(
      () => storedOutbox(page),
      (items) => items.length === 1,
      'the message in IndexedDB',
    );
    assert.equal(queued[0]!.body, body);

    // The reload: with the server down the page cannot even load; the outbox is all that is left.
    await assert.rejects(page.reload(), /ERR_CONNECTION_REFUSED/);
    await app.server.restart();
    // (The failed reload's error page may still be committing: then go again.)
    for (let attempt = 1; ; attempt++) {
      try {
        await page.goto(`${app.server.url}/rooms`);
        break;
      } catch (e) {
        if (attempt >= 3 || !/interrupted by another navigation/.test(String(e))) throw e;
      }
    }
    await waitForOnline(page);
    await messageIn(page, body).waitFor({ timeout: RECONNECT_TIMEOUT });
    await eventually(
      () => storedOutbox(page),
      (items) => items.length === 0,
      'the outbox emptied',
    );
    assert.equal(await pending(page).count(), 0);
    assert.equal(await storedCount(await api(), channelId, body), 1, 'stored exactly once');
    assert.equal(await messageIn(page, body).count(), 1, 'shown exactly once');
  });

  it('a reload while a send is in flight (stored, but its acknowledgement lost) re-sends it with the same id: still one message', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    // Between page and server: drop the ack and the live event of one message, as a connection
    // that dies at the wrong moment would.
    let lose: string | undefined;
    let lost = 0;
    await page.routeWebSocket(
      (url) => url.pathname === '/ws',
      (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((raw) => {
          const f = JSON.parse(raw.toString()) as { type: string; message?: { body: string }; event?: { type: string; message?: { body: string } } };
          if (lose !== undefined && (f.message?.body === lose || f.event?.message?.body === lose)) return void lost++;
          ws.send(raw);
        });
      },
    );
    await logIn(page, app.server.url, 'alice_dev');
    await openChannel(page, DEV_CHANNEL);

    const body = `Sent, but the answer never came ${tag()}`;
    lose = body;
    await composer(page).fill(body);
    await composer(page).press('Enter');
    await pending(page).filter({ hasText: body }).getByText('Sending…').waitFor();
    await eventually(
      async () => storedCount(await api(), channelId, body),
      (n) => n === 1,
      'the server stored it',
    );
    await eventually(
      async () => lost,
      (n) => n >= 2,
      'its ack and its event lost',
    );
    assert.equal((await storedOutbox(page)).length, 1, 'still in the outbox: the app does not know it was stored');

    lose = undefined;
    await page.reload();
    await waitForOnline(page);
    await messageIn(page, body).waitFor();
    await eventually(
      () => storedOutbox(page),
      (items) => items.length === 0,
      'the outbox emptied',
    );
    assert.equal(await pending(page).count(), 0);
    assert.equal(await messageIn(page, body).count(), 1, 'shown exactly once');
    assert.equal(await storedCount(await api(), channelId, body), 1, 'the re-send created no second message');
  });

  it(
    'the banner never claims a working fallback while the server cannot be reached at all',
    async (t) => {
      const { context, page } = await newUserContext(app.browser);
      t.after(() => context.close());
      await logIn(page, app.server.url, 'alice_dev');
      const banner = await watchBanner(page);
      const failed = { tickets: 0, streams: 0 };
      page.on('requestfailed', (r) => {
        const { pathname } = new URL(r.url());
        if (pathname === '/api/v1/auth/ws-ticket') failed.tickets++;
        if (pathname === '/api/v1/realtime/stream') failed.streams++;
      });

      await app.server.stop();
      try {
        // After three failed attempts in a row the client tries the HTTP stream (which fails too).
        await eventually(
          async () => ({ ...failed }),
          (n) => n.tickets >= 3 && n.streams >= 1,
          'failed reconnect attempts over the socket and the stream',
          RECONNECT_TIMEOUT,
        );
        const text = await connectionBanner(page).textContent();
        assert.doesNotMatch(text ?? '', /Everything still works/, 'the banner says all is well while nothing is connected');
        assert.ok(!(await banner()).includes('fallback'), `banner states: ${(await banner()).join(' → ')}`);
      } finally {
        await app.server.restart();
      }
      await page.locator('[data-connection]').waitFor({ state: 'detached', timeout: RECONNECT_TIMEOUT });
    },
  );
});
