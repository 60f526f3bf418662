import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, demoAppAndBrowser, newUserContext, tag } from '../support/browser.js';

/** A member given an admin's set-password link sets a password in the browser and logs in with it. */
describe('Web app in a real browser: set-password links', () => {
  const app = demoAppAndBrowser();

  it('the link opens the form, the token leaves the address bar, and the new password logs in', async (t) => {
    const username = `linked_${tag()}`.toLowerCase().slice(0, 30);
    const registered = await fetch(`${app.server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${username}@example.com`, username, password: 'first password' }),
    });
    const userId = ((await registered.json()) as { user: { id: string } }).user.id;
    const alice = await apiAs(app.server.url, 'alice_dev');
    const acme = (await alice.api.workspaces.list()).workspaces.find((w) => w.name === 'Acme')!;
    const { code } = await alice.api.workspaces.createInvite(acme.id, {});
    const joiner = await apiAs(app.server.url, username, 'first password');
    await joiner.api.workspaces.acceptInvite(code);
    const { accessToken } = await alice.api.auth.token({ username: 'alice_dev', password: 'demo123' });
    const issued = await fetch(`${app.server.url}/api/v1/workspaces/${acme.id}/members/${userId}/password-link`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
    const { url } = (await issued.json()) as { url: string };
    const link = `${app.server.url}${new URL(url).pathname}${new URL(url).hash}`;

    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token is taken out of the address bar');
    await page.locator('input[name="password"]').fill('a brand new password');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.locator('input[name="username"]').fill(username);
    await page.locator('input[name="password"]').fill('a brand new password');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname === '/rooms');
  });
});
