import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiAs, channelIdByName, composer, demoAppAndBrowser, eventually, logIn, messageIn, newUserContext, openChannel, recordPageErrors, tag } from '../support/browser.js';

/** Two ways the app used to lose the user's place (issue 18's first findings). */
describe('Web app in a real browser: the user keeps their place', () => {
  const app = demoAppAndBrowser();

  it('a live message in a channel this page never opened leaves the open conversation as it was', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    const errors = recordPageErrors(page);
    await logIn(page, app.server.url, 'bob_design');
    await openChannel(page, 'General');
    const here = `in General ${tag()}`;
    const bob = await apiAs(app.server.url, 'bob_design');
    await bob.api.channels.send(await channelIdByName(bob, 'General'), { body: here, clientMessageId: randomUUID() });
    await messageIn(page, here).waitFor();

    // A channel made now, with bob in it: this page hears of it live and never opens it.
    const alice = await apiAs(app.server.url, 'alice_dev');
    const acme = (await alice.api.workspaces.list()).workspaces.find((w) => w.name === 'Acme')!;
    const bobId = (await alice.api.workspaces.members(acme.id)).members.find((m) => m.username === 'bob_design')!.userId;
    const name = `fresh-${tag()}`.toLowerCase();
    const fresh = await alice.api.workspaces.createChannel(acme.id, { name, memberIds: [bobId] });
    const sidebarEntry = page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: new RegExp(`^${name}\\b`) });
    await sidebarEntry.waitFor();
    await alice.api.channels.send(fresh.id, { body: `elsewhere ${tag()}`, clientMessageId: randomUUID() });
    await eventually(() => sidebarEntry.textContent(), (label) => /\d/.test(label ?? ''), 'the new channel shows an unread count');
    assert.equal(await messageIn(page, here).count(), 1, 'the open conversation is still shown');
    assert.equal(await composer(page).isVisible(), true, 'and its composer');
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  });

  it('an invite link opened with a stale session still leads through sign-in back into the workspace', async (t) => {
    const alice = await apiAs(app.server.url, 'alice_dev');
    const acme = (await alice.api.workspaces.list()).workspaces.find((w) => w.name === 'Acme')!;
    const { code } = await alice.api.workspaces.createInvite(acme.id, {});
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());

    // Signed in once, then signed out elsewhere: the page's cookies name a revoked session.
    const username = `stale_${tag()}`.toLowerCase();
    await page.goto(`${app.server.url}/register`);
    await page.locator('input[name="email"]').fill(`${username}@example.com`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill('a good long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((u) => u.pathname === '/rooms');
    const other = await apiAs(app.server.url, username, 'a good long password');
    const sessions = (await other.api.auth.sessions()).sessions;
    for (const s of sessions.filter((s) => !s.current)) await other.api.auth.revokeSession(s.id);

    await page.goto(`${app.server.url}/invite/${code}`);
    await page.waitForURL((u) => u.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), `/invite/${code}`, 'the invite is where sign-in comes back to');
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill('a good long password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/rooms');
    await eventually(() => page.locator('#workspace-select option:checked').textContent(), (name) => name === 'Acme', 'joined Acme through the invite');
  });
});
