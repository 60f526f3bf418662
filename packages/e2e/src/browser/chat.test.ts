import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import type { RelayDeskClient } from '@relaydesk/client';
import {
  apiAs,
  byId,
  channelIdByName,
  composer,
  conversation,
  delivered,
  demoAppAndBrowser,
  DEV_CHANNEL,
  eventually,
  logIn,
  messageIn,
  newUserContext,
  openChannel,
  recordDialogs,
  recordPageErrors,
  screenshot,
  sendAndWait,
  storedCount,
  tag,
  threadPanel,
  timeline,
  waitForOnline,
} from '../support/browser.js';

/**
 * The web app as users drive it, in Debian's Chromium against the real server and its built app:
 * PRODUCT.md's contract, two people chatting live, editing, reacting, threads, and hostile input.
 */
describe('Web app in a real browser: chatting', () => {
  const app = demoAppAndBrowser();
  let api: RelayDeskClient;
  let channelId: string;

  before(async () => {
    api = await apiAs(app.server.url, 'alice_dev');
    channelId = await channelIdByName(api, DEV_CHANNEL);
  });

  it('PRODUCT.md contract: /login form → /rooms lists "Development Team" → type, Send → in the timeline, stored once, still there after a reload', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    const errors = recordPageErrors(page);

    await page.goto(`${app.server.url}/login`);
    await page.locator('input[name="username"]').fill('alice_dev');
    await page.locator('input[name="password"]').fill('demo123');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/rooms');
    await page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: /^Development Team\b/ }).waitFor();
    await openChannel(page, DEV_CHANNEL);

    const body = `Hello from a real browser ${tag()}`;
    const box = page.getByPlaceholder('Type a message...');
    await box.fill(body);
    await page.locator('[aria-label="Send"]').click();
    await messageIn(page, body).waitFor();
    assert.equal(await box.inputValue(), '', 'the composer is cleared after sending');
    assert.equal(await storedCount(api, channelId, body), 1, 'stored exactly once');

    await page.reload();
    await waitForOnline(page);
    await messageIn(page, body).waitFor();
    assert.equal(await messageIn(page, body).count(), 1, 'shown once after a reload');
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });

  describe('two people in two browser contexts', () => {
    let alice: { context: BrowserContext; page: Page };
    let bob: { context: BrowserContext; page: Page };
    let errors: string[][];

    before(async () => {
      [alice, bob] = await Promise.all([newUserContext(app.browser), newUserContext(app.browser)]);
      errors = [recordPageErrors(alice.page), recordPageErrors(bob.page)];
      await Promise.all([logIn(alice.page, app.server.url, 'alice_dev'), logIn(bob.page, app.server.url, 'bob_design')]);
      await Promise.all([openChannel(alice.page, DEV_CHANNEL), openChannel(bob.page, DEV_CHANNEL)]);
    });
    after(async () => {
      await alice?.context.close();
      await bob?.context.close();
      assert.deepEqual(errors, [[], []], 'no uncaught errors in either page');
    });

    it('see each other\'s messages live, "alice_dev is typing..." while she types, "Seen by bob_design" once he has read hers, each other online', async () => {
      const fromBob = `Bob here, the mockups are ready ${tag()}`;
      await sendAndWait(bob.page, fromBob);
      await messageIn(alice.page, fromBob).waitFor();

      const fromAlice = `Looking at them now ${tag()}`;
      const box = composer(alice.page);
      await box.pressSequentially(fromAlice.slice(0, 12), { delay: 15 });
      const typing = bob.page.getByText('alice_dev is typing...');
      await typing.waitFor();
      await box.pressSequentially(fromAlice.slice(12));
      await box.press('Enter');
      await messageIn(bob.page, fromAlice).waitFor();
      assert.equal(await box.inputValue(), '', 'Enter sends and leaves the box empty (no stray newline)');
      await typing.waitFor({ state: 'hidden' }); // the message landing ends the notice
      assert.equal(await alice.page.getByText('is typing...').count(), 0, 'nobody is shown their own typing');

      // Bob has the channel open, so reading it is automatic; Alice sees it under her message, live.
      await alice.page.getByText('Seen by bob_design').waitFor();
      assert.equal(await bob.page.getByText(/^Seen by/).count(), 0, 'the latest message is not Bob\'s: no receipt line for him');

      // Presence: each shows as online in the other's direct-message list.
      const dm = (page: Page, name: string) => page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: new RegExp(name.replace(/[()]/g, '\\$&')) });
      await dm(alice.page, 'Bob (Design)').getByRole('img', { name: 'online' }).waitFor();
      await dm(bob.page, 'Alice (Dev)').getByRole('img', { name: 'online' }).waitFor();
    });

    it('edit, delete, react with the emoji picker and reply in a thread: the other person sees each change live', async () => {
      const t = tag();
      // Edit.
      const editId = await sendAndWait(alice.page, `Deploy at 14:00 ${t}`);
      await byId(bob.page, editId).waitFor();
      const mine = byId(alice.page, editId);
      await mine.hover();
      await mine.getByRole('button', { name: 'Edit' }).click();
      const editBox = mine.getByRole('textbox', { name: 'Edit message' });
      await editBox.fill(`Deploy moved to 15:00 ${t}`);
      await editBox.press('Enter');
      for (const page of [alice.page, bob.page]) {
        await byId(page, editId).filter({ hasText: `Deploy moved to 15:00 ${t}` }).filter({ hasText: '(edited)' }).waitFor();
      }
      assert.equal(await delivered(timeline(bob.page), `Deploy at 14:00 ${t}`).count(), 0, 'the old text is gone');

      // Delete (the app asks for confirmation first).
      const deleteId = await sendAndWait(alice.page, `Oops, wrong channel ${t}`);
      await byId(bob.page, deleteId).waitFor();
      const doomed = byId(alice.page, deleteId);
      await doomed.hover();
      alice.page.once('dialog', (d) => void d.accept());
      await doomed.getByRole('button', { name: 'Delete' }).click();
      for (const page of [alice.page, bob.page]) {
        await byId(page, deleteId).getByText('This message was deleted.').waitFor();
        assert.equal(await byId(page, deleteId).filter({ hasText: 'wrong channel' }).count(), 0);
      }

      // React with the picker; Bob adds his to the same emoji.
      const reactId = await sendAndWait(alice.page, `Release notes are up ${t}`);
      await byId(bob.page, reactId).waitFor();
      const target = byId(alice.page, reactId);
      await target.hover();
      await target.getByRole('button', { name: 'Add reaction' }).click();
      await target.getByRole('group', { name: 'Pick a reaction' }).getByRole('button', { name: 'React with 🎉' }).click();
      const aliceTada = target.getByRole('button', { name: '🎉 1' });
      await aliceTada.waitFor();
      assert.equal(await aliceTada.getAttribute('aria-pressed'), 'true', 'her own reaction is marked as hers');
      const bobTada = byId(bob.page, reactId).getByRole('button', { name: '🎉 1' });
      await bobTada.waitFor();
      assert.equal(await bobTada.getAttribute('aria-pressed'), 'false');
      await bobTada.click();
      for (const page of [alice.page, bob.page]) await byId(page, reactId).getByRole('button', { name: '🎉 2' }).waitFor();
      assert.equal(await byId(bob.page, reactId).getByRole('button', { name: '🎉 2' }).getAttribute('aria-pressed'), 'true');

      // Thread reply in the side panel.
      const rootId = await sendAndWait(alice.page, `Who can review the migration? ${t}`);
      await byId(bob.page, rootId).waitFor();
      const root = byId(alice.page, rootId);
      // Focus, not only hover, shows the actions: a row re-measured under the pointer (the list is
      // virtualized) can move the hover away between Playwright's checks and its click.
      await root.hover();
      await root.focus();
      await root.getByRole('button', { name: 'Reply in thread' }).click();
      const panel = threadPanel(alice.page);
      await panel.getByRole('heading', { name: 'Thread' }).waitFor();
      const reply = `I can, after lunch ${t}`;
      await panel.getByRole('textbox', { name: 'Reply in thread' }).fill(reply);
      await panel.getByRole('button', { name: 'Send', exact: true }).click();
      await delivered(panel.getByRole('log', { name: 'Thread replies' }), reply).waitFor();
      await panel.getByText('1 reply', { exact: true }).waitFor();
      assert.equal(await delivered(timeline(alice.page), reply).count(), 0, 'a reply stays out of the channel timeline');
      await screenshot(alice.page, 'rooms-thread-open');

      const replies = byId(bob.page, rootId).getByRole('button', { name: '1 reply' });
      await replies.waitFor();
      await replies.click();
      await delivered(threadPanel(bob.page).getByRole('log', { name: 'Thread replies' }), reply).waitFor();

      // Stored as one of each.
      const { replies: stored } = await api.api.messages.replies(rootId);
      assert.deepEqual(stored.map((m) => m.body), [reply]);
      await threadPanel(bob.page).getByRole('button', { name: 'Close thread' }).click();
      await threadPanel(alice.page).getByRole('button', { name: 'Close thread' }).click();
    });

    it('an XSS corpus renders as inert text: no dialog, no injected element, no javascript: link, live and after a reload', async () => {
      const payloads = [
        '<script>alert(1)</script>',
        '<img src=x onerror=alert(1)>',
        '[click](javascript:alert(1))',
        '<svg onload=alert(1)>',
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src=javascript:alert(1)>',
      ];
      // What each one must read as: raw HTML as the text it is; the Markdown link as its label.
      const shownAs = (p: string) => (p.startsWith('[click]') ? 'click' : p);
      const dialogs = [recordDialogs(alice.page), recordDialogs(bob.page)];
      const head = await api.api.channels.get(channelId);
      for (const p of payloads) {
        await composer(alice.page).fill(p);
        await composer(alice.page).press('Enter');
      }
      await eventually(
        async () => (await api.api.channels.history(channelId, { limit: payloads.length })).messages.filter((m) => m.seq > head.lastSeq).length,
        (n) => n === payloads.length,
        'every payload stored',
      );
      const stored = (await api.api.channels.history(channelId, { limit: payloads.length })).messages.reverse();
      assert.deepEqual(stored.map((m) => m.body), payloads, 'stored verbatim, in order');

      const inspect = (page: Page) =>
        timeline(page).evaluate((list, ids) => {
          const articles = ids.map((id) => list.querySelector(`article[data-message-id="${id}"]`));
          return {
            shown: articles.map((a) => a?.querySelector('.message-body')?.textContent ?? null),
            injected: Array.from(list.querySelectorAll('script, img, svg, iframe, object, embed, frame, video, audio, form, math'), (e) => e.outerHTML),
            jsLinks: Array.from(list.querySelectorAll('*')).flatMap((e) =>
              Array.from(e.attributes)
                .filter((a) => /^\s*(javascript|vbscript|data):/i.test(a.value))
                .map(() => e.outerHTML),
            ),
            handlers: Array.from(list.querySelectorAll('*')).flatMap((e) =>
              Array.from(e.attributes)
                .filter((a) => /^on/i.test(a.name))
                .map((a) => `${e.tagName} ${a.name}`),
            ),
            anchorsInPayloads: articles.reduce((n, a) => n + (a?.querySelectorAll('a').length ?? 0), 0),
          };
        }, stored.map((m) => m.id));

      const check = async (page: Page, when: string) => {
        const report = await eventually(
          () => inspect(page),
          (r) => r.shown.every((s) => s !== null),
          `every payload shown (${when})`,
        );
        assert.deepEqual(report.shown, payloads.map(shownAs), `shown as plain text (${when})`);
        assert.deepEqual(report.injected, [], `no element injected into the message list (${when})`);
        assert.deepEqual(report.jsLinks, [], `no javascript:/vbscript:/data: URL in any attribute in the message list (${when})`);
        assert.deepEqual(report.handlers, [], `no inline event handler in the message list (${when})`);
        assert.equal(report.anchorsInPayloads, 0, `no link made out of a payload (${when})`);
      };
      await check(alice.page, 'sender, live');
      await check(bob.page, 'receiver, live');

      // The would-be link is not a link: clicking its label does nothing.
      const label = timeline(bob.page).locator(`article[data-message-id="${stored[2]!.id}"] .md`);
      await label.getByText('click', { exact: true }).click();
      assert.equal(new URL(bob.page.url()).pathname, '/rooms');

      await bob.page.reload();
      await waitForOnline(bob.page);
      await check(bob.page, 'receiver, after a reload');
      assert.deepEqual(dialogs, [[], []], 'no dialog was opened by any payload');
      assert.deepEqual(await alice.page.evaluate(() => document.querySelectorAll('body script').length), 0, 'no script in the body at all');
      // The composer is left as it should be for the next test.
      assert.equal(await composer(alice.page).inputValue(), '');
      assert.ok(await conversation(alice.page).isVisible());
    });
  });
});
