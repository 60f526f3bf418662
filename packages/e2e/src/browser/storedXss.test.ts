import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import type { Channel, RelayDeskClient } from '@relaydesk/client';
import { AppServer, byId, eventually, launchBrowser, logIn, newUserContext, recordDialogs, recordPageErrors, threadPanel, timeline, UI_TIMEOUT } from '../support/browser.js';
import { sdkClient, signUp } from '../support/sdk.js';
import { FAMILY_COUNTS, lineFit, PAYLOADS, retag, type Payload } from '../support/xssPayloads.js';

/**
 * Stored XSS: user A stores the corpus (support/xssPayloads.ts) through the REST API in every text
 * the web app shows — message bodies (Markdown), thread replies, edited messages, a message that
 * arrives live, reaction emoji, channel names and topics, workspace names, display names, file
 * names — and user B looks at every surface in headless Chromium: channel list, channels, thread
 * panel, pins, search results, the browse-channels and new-DM dialogs (the member list), the
 * workspace switcher, file cards and the image lightbox. Every payload calls `__xss(id)` if it
 * runs; the hook (exposed in every frame) and any dialog fail the test. It runs twice: with the
 * server's CSP, and with CSP bypassed (so the app's escaping must hold on its own).
 */

/** Every corpus payload, re-tagged for one surface (`surface:payload-id`) so a hit names where it ran. */
const forSurface = (surface: string, list: readonly Payload[] = PAYLOADS) => list.map((p) => retag(p, `${surface}:${p.id}`));

/** Message bodies of at most ~8,000 code points, each starting with a plain marker line. */
function chunk(surface: string, marker: string): { body: string; payloads: Payload[] }[] {
  const out: { body: string; payloads: Payload[] }[] = [];
  let current: Payload[] = [];
  const flush = () => {
    if (current.length === 0) return;
    const n = out.length + 1;
    out.push({ body: `${marker} part ${n}\n\n${current.map((p) => p.text).join('\n\n')}\n\nend of ${marker} part ${n}`, payloads: current });
    current = [];
  };
  let size = 0;
  for (const p of forSurface(surface)) {
    if (size + p.text.length > 7_000 || current.length >= 45) {
      flush();
      size = 0;
    }
    current.push(p);
    size += p.text.length + 2;
  }
  flush();
  return out;
}

/** Payloads for a one-line field, each used once, tagged for its surface. */
function linePool(surface: string, max: number, options: Parameters<typeof lineFit>[1] = {}) {
  const pool = lineFit(max - 12, options);
  let i = 0;
  return () => {
    const p = pool[i++ % pool.length]!;
    return retag(p, `${surface}:${p.id}`);
  };
}

interface Stored {
  victim: { username: string; password: string };
  attacker: RelayDeskClient;
  attackerName: string;
  authorNames: string[];
  workspaceNames: string[];
  workspaceIds: string[];
  mainChannel: Channel;
  editChannel: Channel;
  filesChannel: Channel;
  extraChannels: Channel[];
  dmLabels: string[];
  corpusMessages: { id: string; payloads: Payload[] }[];
  editedMessages: { id: string; payloads: Payload[] }[];
  replies: { id: string; payloads: Payload[] }[];
  rootId: string;
  emoji: string[];
  fileNames: string[];
  imageName: string;
}

/** User A (and a few accomplices, for their display names) store the corpus everywhere. */
async function storeCorpus(url: string): Promise<Stored> {
  const name = linePool('name', 64);
  const wsName = linePool('ws', 80);
  const chName = linePool('channel', 80);
  const topic = linePool('topic', 250);
  const emojiPool = linePool('emoji', 64, { noSpace: true });
  const filePool = linePool('file', 170, { noSlash: true });

  const attacker = sdkClient(url);
  const victim = sdkClient(url);
  const attackerName = name().text;
  const [{ user: a }, { user: b, password }] = await Promise.all([signUp(attacker, { displayName: attackerName }), signUp(victim, { displayName: 'Bob Victim' })]);
  const authors = Array.from({ length: 6 }, () => sdkClient(url));
  const authorNames = authors.map(() => name().text);
  const authorUsers = await Promise.all(authors.map((c, i) => signUp(c, { displayName: authorNames[i]! }).then((r) => r.user)));
  assert.equal(a.displayName, attackerName, 'the display name is stored as sent');

  const workspaceNames = [wsName().text, wsName().text, wsName().text];
  const [main, ...others] = await Promise.all(workspaceNames.map((n) => attacker.api.workspaces.create(n)));
  for (const ws of [main!, ...others]) {
    const { code } = await attacker.api.workspaces.createInvite(ws.id);
    await victim.api.workspaces.acceptInvite(code);
  }
  const mainCode = (await attacker.api.workspaces.createInvite(main!.id, { maxUses: 10 })).code;
  await Promise.all(authors.map((c) => c.api.workspaces.acceptInvite(mainCode)));

  let n = 0;
  const channel = async (wsId: string, kind: 'public' | 'private' = 'public', memberIds?: string[]) => {
    n += 1;
    return attacker.api.workspaces.createChannel(wsId, { name: `${chName().text} ${n}`, kind, topic: topic().text, ...(memberIds ? { memberIds } : {}) });
  };
  const mainChannel = await channel(main!.id);
  const editChannel = await channel(main!.id);
  const filesChannel = await channel(main!.id);
  const extraChannels = [await channel(main!.id), await channel(main!.id), await channel(main!.id, 'private', [b.id]), await channel(others[0]!.id)];
  for (const c of [mainChannel, editChannel, filesChannel, ...extraChannels]) if (c.kind === 'public') await victim.api.channels.join(c.id);
  for (const c of authors) await c.api.channels.join(filesChannel.id);

  // Channel: the corpus in a few messages, then a thread root with the corpus as replies.
  const corpusMessages = [];
  for (const { body, payloads } of chunk('msg', 'xss corpus')) {
    const m = await attacker.api.channels.send(mainChannel.id, { body });
    assert.equal(m.body, body, 'the body is stored exactly as sent');
    corpusMessages.push({ id: m.id, payloads });
  }
  const root = await attacker.api.channels.send(mainChannel.id, { body: 'thread root for the corpus' });
  const replies = [];
  for (const { body, payloads } of chunk('reply', 'xss reply')) replies.push({ id: (await attacker.api.channels.send(mainChannel.id, { body, threadRootId: root.id })).id, payloads });
  // Reactions with free-text "emoji", and a pin (the pins dialog quotes the body).
  const emoji: string[] = [];
  for (let i = 0; i < 20; i++) {
    const e = emojiPool().text;
    await attacker.api.messages.react(corpusMessages[0]!.id, e);
    emoji.push(e);
  }
  await attacker.api.messages.pin(corpusMessages[0]!.id);
  await attacker.api.messages.pin(corpusMessages[1]!.id);

  // Edited messages: harmless first, the corpus after the edit.
  const editedMessages = [];
  for (const { body, payloads } of chunk('edit', 'xss edited')) {
    const m = await attacker.api.channels.send(editChannel.id, { body: 'harmless until edited' });
    await attacker.api.messages.edit(m.id, body);
    editedMessages.push({ id: m.id, payloads });
  }

  // Files: text files and an image whose names are payloads; accomplices post under their names.
  const fileNames: string[] = [];
  const fileIds: string[] = [];
  for (let i = 0; i < 10; i++) {
    const info = await attacker.api.files.upload(filesChannel.id, new Blob([`plain text ${i}\n`], { type: 'text/plain' }), `${filePool().text}.txt`);
    fileNames.push(info.name);
    fileIds.push(info.id);
  }
  await attacker.api.channels.send(filesChannel.id, { body: 'files with hostile names', attachmentIds: fileIds });
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c0392b' } }).png().toBuffer();
  const image = await attacker.api.files.upload(filesChannel.id, new Blob([new Uint8Array(png)], { type: 'image/png' }), `${filePool().text}.png`);
  await attacker.api.channels.send(filesChannel.id, { body: 'an image with a hostile name', attachmentIds: [image.id] });
  for (const [i, c] of authors.entries()) await c.api.channels.send(filesChannel.id, { body: `hello from author ${i}` });

  // DMs: their sidebar label is made of display names.
  const dm = await attacker.api.workspaces.openConversation(main!.id, [b.id]);
  await attacker.api.channels.send(dm.id, { body: chunk('dm', 'xss dm')[0]!.body });
  const group = await attacker.api.workspaces.openConversation(main!.id, [b.id, authorUsers[0]!.id]);
  await attacker.api.channels.send(group.id, { body: 'group hello <img src=x onerror=__xss("group-dm")>' });

  return {
    victim: { username: b.username, password },
    attacker,
    attackerName,
    authorNames,
    workspaceNames,
    workspaceIds: [main!.id, ...others.map((w) => w.id)],
    mainChannel,
    editChannel,
    filesChannel,
    extraChannels,
    // The app joins the other members' display names in the channel's member order.
    dmLabels: [
      attackerName,
      (group.memberIds ?? [])
        .filter((id) => id !== b.id)
        .map((id) => (id === a.id ? attackerName : authorNames[0]!))
        .join(', '),
    ],
    corpusMessages,
    editedMessages,
    replies,
    rootId: root.id,
    emoji,
    fileNames,
    imageName: image.name,
  };
}

/** Anything in the live DOM that could run script, whether or not it did. */
async function domAudit(page: Page, where: string): Promise<string[]> {
  const found = await page.evaluate(() => {
    const out: string[] = [];
    const root = document.getElementById('root');
    if (!root) return ['no #root'];
    for (const el of Array.from(root.querySelectorAll('*'))) {
      const tag = el.tagName.toLowerCase();
      // The app's own icons are SVG; SVG in what a user wrote is not.
      if (tag === 'svg' && el.closest('.message-body, .channel-link, .channel-title, .dialog, .search-panel, .reactions')) out.push('<svg> in user content');
      if (['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'base', 'meta', 'link', 'style', 'template', 'portal', 'applet', 'math', 'noscript', 'foreignobject', 'animate', 'set', 'use', 'handler'].includes(tag)) {
        out.push(`<${tag}> element`);
      }
      for (const attr of Array.from(el.attributes)) {
        const value = attr.value.trim().toLowerCase();
        if (/^on/i.test(attr.name)) out.push(`${tag}[${attr.name}]`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'poster'].includes(attr.name.toLowerCase())) {
          let protocol = 'invalid:';
          try {
            protocol = new URL(attr.value, location.href).protocol;
          } catch {
            // An unparsable URL goes nowhere; still worth naming.
          }
          if (attr.name === 'srcdoc' || !['http:', 'https:', 'mailto:', 'blob:'].includes(protocol)) out.push(`${tag}[${attr.name}="${attr.value.slice(0, 60)}"]`);
        }
        if (attr.name === 'style' && /url\(|expression/i.test(value)) out.push(`${tag}[style="${attr.value.slice(0, 60)}"]`);
      }
    }
    return out;
  });
  return found.map((f) => `${where}: ${f}`);
}

/** The text of a rendered message, by id, scrolling the virtualized timeline up until it is in the DOM. */
async function messageText(page: Page, id: string, scope: 'timeline' | 'thread' = 'timeline'): Promise<string> {
  const article = scope === 'thread' ? threadPanel(page).locator(`article[data-message-id="${id}"]`) : timeline(page).locator(`article[data-message-id="${id}"]`);
  const deadline = Date.now() + UI_TIMEOUT;
  while ((await article.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`message ${id} never rendered in the ${scope}`);
    if (scope === 'timeline') await timeline(page).evaluate((el) => el.scrollBy(0, -1200));
    await page.waitForTimeout(50);
  }
  await article.locator('.message-body').waitFor();
  return article.locator('.message-body').innerText();
}

/** Checks that a corpus message shows its payloads as text; returns how many payload ids are visible. */
function assertShownAsText(text: string, payloads: Payload[], what: string): number {
  // A Markdown link's destination is not text (and an unsafe one is dropped): those count by their link text.
  const inUrl = (p: Payload) => /\]\(|\]\[|\]: |^<[a-z]+:/i.test(p.text);
  const visible = payloads.filter((p) => text.includes(p.id) || (inUrl(p) && /click|img|\bx\b/.test(text))).length;
  // Raw HTML is shown as the text it is: a whole tag payload must appear verbatim.
  const verbatim = payloads.filter((p) => /^<(img|svg|script|iframe|details|video|audio|input)\b/i.test(p.text) && !p.text.includes('\n') && text.includes(p.text));
  assert.ok(verbatim.length > 0, `${what}: some raw-HTML payload shows verbatim as text`);
  assert.ok(visible >= payloads.length * 0.8, `${what}: most payloads are visible as text (${visible}/${payloads.length})`);
  return visible;
}

/** Switches workspace (unless already there) and waits for one of its channels in the sidebar. */
async function selectWorkspace(page: Page, workspaceId: string, someChannel: string): Promise<void> {
  const select = page.locator('#workspace-select');
  if ((await select.inputValue()) !== workspaceId) await select.selectOption(workspaceId);
  await page.getByRole('navigation', { name: 'Channels' }).locator('.channel-name', { hasText: someChannel }).first().waitFor();
}

async function clickChannel(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Channels' }).locator('.channel-link').filter({ has: page.locator('.channel-name', { hasText: label }) }).first().click();
  await page.locator('.channel-title h1').filter({ hasText: label }).waitFor();
  const h1 = (await page.locator('.channel-title h1').textContent()) ?? '';
  assert.ok(h1 === label || h1 === `# ${label}` || h1 === `🔒 ${label}`, `the channel heading is the stored name as text: ${JSON.stringify(h1)}`);
}

describe('Stored XSS: a hostile member’s texts never run in another member’s browser', () => {
  let server: AppServer;
  let browser: Browser;
  let stored: Stored;

  before(async () => {
    [server, browser] = await Promise.all([AppServer.start({ seedDemo: false }), launchBrowser()]);
    stored = await storeCorpus(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it(`the corpus: ${PAYLOADS.length} payloads in ${Object.keys(FAMILY_COUNTS).length} families, unique ids`, () => {
    assert.ok(PAYLOADS.length >= 150, `${PAYLOADS.length} payloads`);
    assert.equal(new Set(PAYLOADS.map((p) => p.id)).size, PAYLOADS.length);
    for (const p of PAYLOADS) assert.ok(p.text.includes(p.id) || /atob|fromCharCode|base64/.test(p.text), `${p.id} calls the hook with its id`);
  });

  for (const mode of [
    { name: 'with the server’s CSP', bypassCSP: false },
    { name: 'with CSP switched off (bypassCSP)', bypassCSP: true },
  ]) {
    it(`user B views every surface ${mode.name}: no payload runs, all shown as text`, async (t) => {
      const { context, page } = await newUserContext(browser, { bypassCSP: mode.bypassCSP });
      t.after(() => context.close());
      const hits: string[] = [];
      await context.exposeBinding('__xss', ({ frame }, id: unknown) => {
        hits.push(`${String(id)} (in ${frame.url().slice(0, 80)})`);
      });
      const dialogs = recordDialogs(page);
      const pageErrors = recordPageErrors(page);
      const audit: string[] = [];

      // The CSP switch, proven: an inline script added to the app's page runs only when CSP is bypassed.
      const response = await page.goto(`${server.url}/login`);
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the server sends its CSP');
      // The probe also calls the hook: proof that a script which runs is caught.
      await page.addScriptTag({ content: "window.__cspProbe = 1; __xss('csp-probe');" }).catch(() => undefined);
      const probeRan = await page.evaluate(() => (window as unknown as { __cspProbe?: number }).__cspProbe === 1);
      assert.equal(probeRan, mode.bypassCSP, mode.bypassCSP ? 'bypassCSP lets an inline script run' : 'the CSP blocks an inline script');
      // And markup that reaches the DOM unescaped is caught too: an event-handler payload written
      // straight into the page runs (and is seen) exactly when no CSP stands in its way.
      await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', `<img src="/nonexistent.png" onerror="__xss('dom-control')">`));
      if (mode.bypassCSP) await eventually(async () => hits.length, (n) => n === 2, 'the control payload calls the hook');
      else await page.waitForTimeout(300);
      assert.deepEqual(
        hits.map((h) => h.split(' ')[0]),
        mode.bypassCSP ? ['csp-probe', 'dom-control'] : [],
        'the hook sees the probe and the control exactly when they run',
      );
      hits.length = 0;

      // A payload that ran is the finding, whatever step then failed: report it first.
      let shown = 0;
      const ranFirst = (e: unknown) => {
        if (hits.length > 0 || dialogs.length > 0) assert.fail(`payloads ran: ${JSON.stringify(hits)}; dialogs: ${JSON.stringify(dialogs)} (then: ${(e as Error).message})`);
        throw e;
      };
      try {
        await logIn(page, server.url, stored.victim.username, stored.victim.password);
        const nav = page.getByRole('navigation', { name: 'Channels' });

        // Workspace switcher: every workspace name is an <option>'s text.
        const options = await page.locator('#workspace-select option').allTextContents();
        for (const n of stored.workspaceNames) assert.ok(options.includes(n), `workspace name shown as text: ${n}`);
        await selectWorkspace(page, stored.workspaceIds[0]!, stored.mainChannel.name!);

        // Channel list: every channel name as text.
        const listed = await nav.locator('.channel-name').allTextContents();
        for (const c of [stored.mainChannel, stored.editChannel, stored.filesChannel, ...stored.extraChannels.slice(0, 3)]) {
          assert.ok(listed.includes(c.name!), `channel name in the sidebar as text: ${c.name} (listed: ${JSON.stringify(listed)})`);
        }
        for (const label of stored.dmLabels) assert.ok(listed.includes(label), `DM label (display names) as text: ${label}`);
        audit.push(...(await domAudit(page, 'sidebar')));

        // The corpus channel: heading, topic, every corpus message, reactions.
        await clickChannel(page, stored.mainChannel.name!);
        assert.equal(await page.locator('.channel-title .topic').textContent(), stored.mainChannel.topic, 'topic shown as text');
        for (const [i, m] of stored.corpusMessages.entries()) shown += assertShownAsText(await messageText(page, m.id), m.payloads, `corpus message ${i + 1}`);
        const reactions = byId(page, stored.corpusMessages[0]!.id).locator('button.reaction');
        await reactions.first().waitFor();
        const reactionText = (await reactions.allTextContents()).join('\n');
        for (const e of stored.emoji) assert.ok(reactionText.includes(e), `reaction emoji shown as text: ${e}`);
        const author = await byId(page, stored.corpusMessages[0]!.id).locator('.author').textContent();
        assert.equal(author, stored.attackerName, 'the author’s display name as text');
        audit.push(...(await domAudit(page, 'corpus channel')));

        // A message arriving live (the event path and the screen-reader announcement).
        const live = chunk('live', 'xss live')[0]!;
        const liveMessage = await stored.attacker.api.channels.send(stored.mainChannel.id, { body: live.body });
        await timeline(page).evaluate((el) => el.scrollTo(0, el.scrollHeight));
        assertShownAsText(await messageText(page, liveMessage.id), live.payloads, 'live message');
        await eventually(
          () => page.getByTestId('announcer').textContent(),
          (text) => text === `${stored.attackerName}: ${live.body.slice(0, 200)}`,
          'the live message announced as text',
        );
        audit.push(...(await domAudit(page, 'live message')));

        // Thread panel: root and every reply.
        await timeline(page).evaluate((el) => el.scrollTo(0, el.scrollHeight));
        await byId(page, stored.rootId).locator('button.thread-link').click();
        await threadPanel(page).waitFor();
        for (const [i, r] of stored.replies.entries()) shown += assertShownAsText(await messageText(page, r.id, 'thread'), r.payloads, `thread reply ${i + 1}`);
        audit.push(...(await domAudit(page, 'thread panel')));
        await threadPanel(page).getByRole('button', { name: 'Close thread' }).click();

        // Pins dialog (quotes bodies as text).
        await page.getByRole('button', { name: 'Pins', exact: true }).click();
        const pins = page.getByRole('dialog', { name: 'Pinned messages' });
        await pins.locator('.search-hit').first().waitFor();
        assert.ok(((await pins.innerText()) ?? '').includes('xss corpus part'), 'pinned bodies quoted as text');
        audit.push(...(await domAudit(page, 'pins dialog')));
        await pins.getByRole('button', { name: 'Close' }).click();

        // Search results: snippets, author names, channel labels.
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        const search = page.getByRole('complementary', { name: 'Search' });
        await search.getByLabel('Search messages').fill('onerror');
        await search.getByRole('button', { name: 'Search', exact: true }).click();
        await search.locator('.search-hit').first().waitFor();
        const results = await search.innerText();
        assert.ok(results.includes('onerror'), 'search snippets quote the payloads as text');
        assert.ok(results.includes(stored.attackerName), 'search hits name the author as text');
        const fromOptions = await search.locator('select').nth(1).locator('option').allTextContents();
        for (const n of stored.authorNames) assert.ok(fromOptions.includes(n), `search "From" lists display names as text: ${n}`);
        audit.push(...(await domAudit(page, 'search results')));
        await search.getByRole('button', { name: 'Close search' }).click();

        // Edited messages.
        await clickChannel(page, stored.editChannel.name!);
        for (const [i, m] of stored.editedMessages.entries()) shown += assertShownAsText(await messageText(page, m.id), m.payloads, `edited message ${i + 1}`);
        audit.push(...(await domAudit(page, 'edited messages')));

        // Files: names on file cards, the image's alt and label, and its lightbox title.
        await clickChannel(page, stored.filesChannel.name!);
        // The channel's history arrives after the click: wait until every card is there.
        const cardsLocator = timeline(page).locator('a.file-card strong');
        for (let i = 0; i < 100 && (await cardsLocator.count()) < stored.fileNames.length; i++) await page.waitForTimeout(50);
        const cards = await cardsLocator.allTextContents();
        for (const f of stored.fileNames) assert.ok(cards.includes(f), `file name shown as text: ${f}`);
        const authorsShown = await timeline(page).locator('.author').allTextContents();
        for (const n of stored.authorNames) assert.ok(authorsShown.includes(n), `display name shown as text: ${n}`);
        const imageButton = timeline(page).locator('button.image-attachment');
        assert.equal(await imageButton.locator('img').getAttribute('alt'), stored.imageName, 'the image name is only an alt text');
        audit.push(...(await domAudit(page, 'files channel')));
        await imageButton.click();
        const lightbox = page.locator('dialog[open]');
        await lightbox.locator('figure.lightbox img').waitFor();
        assert.equal(await lightbox.locator('h2').textContent(), stored.imageName, 'lightbox title as text');
        audit.push(...(await domAudit(page, 'lightbox')));
        await lightbox.getByRole('button', { name: 'Close' }).click();

        // Other channels (topics in the header) and both DMs.
        for (const c of stored.extraChannels.slice(0, 3)) {
          await clickChannel(page, c.name!);
          assert.equal(await page.locator('.channel-title .topic').textContent(), c.topic);
        }
        for (const label of stored.dmLabels) await clickChannel(page, label);
        audit.push(...(await domAudit(page, 'DMs')));

        // Browse channels (names and topics) and New DM (the member list with display names).
        await nav.getByRole('button', { name: 'Browse channels' }).click();
        const browse = page.getByRole('dialog', { name: 'Browse channels' });
        await browse.locator('li').first().waitFor();
        const browseText = await browse.innerText();
        for (const c of [stored.mainChannel, stored.editChannel, stored.extraChannels[0]!]) {
          assert.ok(browseText.includes(c.name!) && browseText.includes(c.topic!), `browse lists ${c.name} with its topic as text`);
        }
        audit.push(...(await domAudit(page, 'browse dialog')));
        await browse.getByRole('button', { name: 'Close' }).click();
        await nav.getByRole('button', { name: 'New direct message' }).click();
        const dmDialog = page.getByRole('dialog', { name: 'New direct message' });
        await dmDialog.locator('label').first().waitFor();
        const people = await dmDialog.innerText();
        for (const n of [stored.attackerName, ...stored.authorNames]) assert.ok(people.includes(n), `member list shows ${n} as text`);
        audit.push(...(await domAudit(page, 'member list')));
        await dmDialog.getByRole('button', { name: 'Close' }).click();

        // Another workspace (its name in the switcher, its channel in the list).
        await selectWorkspace(page, stored.workspaceIds[1]!, stored.extraChannels[3]!.name!);
        await clickChannel(page, stored.extraChannels[3]!.name!);
        audit.push(...(await domAudit(page, 'second workspace')));

      } catch (e) {
        ranFirst(e);
      }

      // Timers, autofocus and lazy loads get a moment to fire.
      await page.waitForTimeout(300);
      t.diagnostic(`${shown} payload ids visible as text in channel, thread and edited messages`);
      assert.deepEqual(hits, [], 'no payload called the hook');
      assert.deepEqual(dialogs, [], 'no alert, confirm or prompt');
      assert.deepEqual(audit, [], 'nothing script-capable in the DOM');
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    });
  }
});
