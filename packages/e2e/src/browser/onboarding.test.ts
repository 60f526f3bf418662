import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiAs, channelIdByName, demoAppAndBrowser, DEV_CHANNEL, eventually, logIn, newUserContext, openChannel, recordPageErrors, tag } from '../support/browser.js';

/** A new user is not left at a dead end; buttons match the role; the tab title tells what waits. */
describe('Web app in a real browser: onboarding, role-aware buttons, the tab title', () => {
  const app = demoAppAndBrowser();

  it('a newcomer with no workspace creates one from the sidebar and lands in its #general, as its owner', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    const errors = recordPageErrors(page);
    const username = `new_${tag()}`.toLowerCase().slice(0, 30);
    await page.goto(`${app.server.url}/register`);
    await page.locator('input[name="email"]').fill(`${username}@example.com`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill('a good long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((u) => u.pathname === '/rooms');
    const nav = page.getByRole('navigation', { name: 'Channels' });
    assert.equal(await nav.getByRole('button', { name: 'Invite people' }).count(), 0, 'no invite button without a workspace');
    await nav.getByRole('button', { name: 'Create a workspace to start' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create a workspace' });
    await dialog.locator('input[name="name"]').fill('Studio');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('heading', { level: 1, name: '# general' }).waitFor();
    await eventually(() => page.locator('#workspace-select option:checked').textContent(), (n) => n === 'Studio', 'Studio selected');
    await nav.getByRole('button', { name: 'Invite people' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('a plain member sees no Invite button; an admin does', async (t) => {
    const [bob, alice] = await Promise.all([newUserContext(app.browser), newUserContext(app.browser)]);
    t.after(() => Promise.all([bob.context.close(), alice.context.close()]));
    await Promise.all([logIn(bob.page, app.server.url, 'bob_design'), logIn(alice.page, app.server.url, 'alice_dev')]);
    await alice.page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: 'Invite people' }).waitFor();
    await bob.page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: /^General\b/ }).waitFor();
    assert.equal(await bob.page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: 'Invite people' }).count(), 0);
  });

  it('the tab title counts mentions waiting elsewhere, and clears when they are read', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    await logIn(page, app.server.url, 'bob_design');
    await openChannel(page, 'General');
    // Whatever the demo data left waiting (a DM counts as a mention), one more mention adds one.
    const count = (title: string) => Number(/^\((\d+)\)/.exec(title)?.[1] ?? 0);
    await page.waitForTimeout(500);
    const before = count(await page.title());
    const alice = await apiAs(app.server.url, 'alice_dev');
    await alice.api.channels.send(await channelIdByName(alice, DEV_CHANNEL), { body: `@bob_design look at this ${tag()}`, clientMessageId: randomUUID() });
    await eventually(() => page.title(), (title) => count(title) === before + 1 && /^\(\d+\) RelayDesk$/.test(title), 'one more mention in the title');
    await openChannel(page, DEV_CHANNEL);
    await eventually(() => page.title(), (title) => count(title) <= before, 'the mention read');
  });
});
