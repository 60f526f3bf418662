import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, apiAs, demoAppAndBrowser, eventually, logIn, newUserContext, tag, waitForOnline } from '../support/browser.js';

/**
 * Growing a workspace from the browser: an admin makes an invite link, a newcomer opens it without
 * an account, registers (coming back to the link afterwards), and lands in the workspace.
 */
describe('Web app in a real browser: invite links and registration', () => {
  const app = demoAppAndBrowser();

  it('an admin’s invite link takes a newcomer through registration into the workspace', async (t) => {
    const admin = await newUserContext(app.browser);
    const newcomer = await newUserContext(app.browser);
    t.after(() => Promise.all([admin.context.close(), newcomer.context.close()]));

    await logIn(admin.page, app.server.url, 'alice_dev');
    await admin.page.getByRole('button', { name: 'Invite people' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Invite people' });
    await dialog.getByRole('button', { name: 'Create invite link' }).click();
    const link = await dialog.getByTestId('invite-link').inputValue();
    assert.match(link, new RegExp(`^${app.server.url}/invite/[^/]+$`));

    const page = newcomer.page;
    await page.goto(link);
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === new URL(link).pathname);
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.waitForURL((u) => u.pathname === '/register');

    // A bad form first: the API's field errors are shown next to their fields, nothing is created.
    const username = `new_${tag()}`.toLowerCase();
    await page.locator('input[name="email"]').fill(`${username}@example.com`);
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#password-error').waitFor();
    assert.match((await page.locator('#password-error').textContent()) ?? '', /8–128 characters/);
    assert.equal(await page.locator('input[name="password"]').getAttribute('aria-invalid'), 'true');

    await page.locator('input[name="password"]').fill('a good long password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL((u) => u.pathname === '/rooms');
    await eventually(() => page.locator('#workspace-select option:checked').textContent(), (name) => name === 'Acme', 'Acme is the workspace shown');

    // A newcomer belongs to no channel yet: browse, join, and the channel's history is there.
    await page.getByRole('button', { name: 'Browse channels' }).click();
    const browse = page.getByRole('dialog', { name: 'Browse channels' });
    await browse.getByRole('listitem').filter({ hasText: 'Development Team' }).getByRole('button', { name: 'Join' }).click();
    await waitForOnline(page);
    await page.getByRole('heading', { level: 1, name: '# Development Team' }).waitFor();

    const api = await apiAs(app.server.url, 'alice_dev');
    const acme = (await api.api.workspaces.list()).workspaces.find((w) => w.name === 'Acme')!;
    await eventually(
      async () => (await api.api.workspaces.members(acme.id)).members.map((m) => m.username),
      (names) => names.includes(username),
      'the newcomer is a member of Acme',
    );
  });

  it('a ?next= that leads off this origin (backslashes, protocol-relative, absolute, script) lands on /rooms after login', async (t) => {
    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    // Each costs a login; the rest of the cases are the same parse (see packages/web/src/safeRedirect.ts).
    const hostile = ['/\\evil.example', '//evil.example', 'https://evil.example/rooms', 'javascript:alert(1)'];
    for (const next of hostile) {
      await page.goto(`${app.server.url}/login?next=${encodeURIComponent(next)}`);
      await page.locator('input[name="username"]').fill('carol_ops');
      await page.locator('input[name="password"]').fill(DEMO_PASSWORD);
      await page.locator('button[type="submit"]').click();
      await page.waitForURL((u) => u.origin === app.server.url && u.pathname === '/rooms', { timeout: 5000 }).catch(() => {
        throw new Error(`next=${JSON.stringify(next)} left the user at ${page.url()}`);
      });
    }
  });
});
