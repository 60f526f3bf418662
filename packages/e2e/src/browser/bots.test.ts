import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiAs, channelIdByName, demoAppAndBrowser, DEV_CHANNEL, logIn, messageIn, newUserContext, openChannel, tag } from '../support/browser.js';

/** A bot's messages are marked as a bot's in the web app. */
describe('Web app in a real browser: bots', () => {
  const app = demoAppAndBrowser();

  it('a message a bot posts with its token shows a BOT badge next to its name', async (t) => {
    const alice = await apiAs(app.server.url, 'alice_dev');
    const acme = (await alice.api.workspaces.list()).workspaces.find((w) => w.name === 'Acme')!;
    const channelId = await channelIdByName(alice, DEV_CHANNEL);
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(`${app.server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${(await alice.api.auth.token({ username: 'alice_dev', password: 'demo123' })).accessToken}` },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.ok, `${path}: ${res.status} ${text}`);
      return JSON.parse(text) as { id: string; token: string };
    };
    const bot = await admin(`/api/v1/workspaces/${acme.id}/bots`, { username: `deploy_${tag()}`.toLowerCase().slice(0, 30), displayName: 'Deploy Bot' });
    const { token } = await admin(`/api/v1/workspaces/${acme.id}/bots/${bot.id}/tokens`, { name: 'ci', scopes: ['read', 'write'] });
    const asBot = (path: string, body: unknown) =>
      fetch(`${app.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    assert.ok((await asBot(`/api/v1/channels/${channelId}/join`, {})).ok);

    const { context, page } = await newUserContext(app.browser);
    t.after(() => context.close());
    await logIn(page, app.server.url, 'alice_dev');
    await openChannel(page, DEV_CHANNEL);
    const body = `build ${tag()} deployed`;
    assert.equal((await asBot(`/api/v1/channels/${channelId}/messages`, { body, clientMessageId: randomUUID() })).status, 201);
    const message = messageIn(page, body);
    await message.waitFor();
    assert.equal(await message.locator('.author').textContent(), 'Deploy Bot');
    assert.equal(await message.locator('.bot-badge').textContent(), 'BOT');
  });
});
