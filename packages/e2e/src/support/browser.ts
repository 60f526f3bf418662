import fs from 'node:fs';
import { after, before } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import type { RelayDeskClient } from '@relaydesk/client';
import { startServer, type RunningServer } from '@relaydesk/server/dist/server.js';
import { startTestServer, type TestServer } from '@relaydesk/server/dist/testing/testServer.js';
import { freePort } from '@relaydesk/server/dist/testing/freePort.js';
import { sdkClient, until } from './sdk.js';

/** The repository root (this file runs from packages/e2e/dist/support). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output', 'screenshots');

/** Demo accounts (SEED_DEMO): PRODUCT.md's workspace "Acme" and channel "Development Team". */
export const DEMO_PASSWORD = 'demo123';
export const DEV_CHANNEL = 'Development Team';

/** How long a UI expectation may take before it fails: generous for a loaded 2-core CI box, never slept. */
export const UI_TIMEOUT = 15_000;

/** Debian's Chromium, headless, without anything that phones home. No browser download. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: install Debian's chromium package (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', ...extraArgs],
  });
}

/**
 * The real server with the built web app, on a port chosen up front so that PUBLIC_URL (the one
 * allowed Origin) is the origin the browser really uses, and so that it can be stopped and started
 * again on the same port and data, as a real deployment restarts.
 */
export class AppServer {
  private running: RunningServer | undefined;

  private constructor(
    private readonly first: TestServer,
    readonly url: string,
  ) {
    this.running = first;
  }

  static async start(options: { seedDemo?: boolean } = {}): Promise<AppServer> {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const server = await startTestServer({ env: { PORT: String(port), PUBLIC_URL: origin, SEED_DEMO: String(options.seedDemo ?? true) } });
    if (server.url !== origin) throw new Error(`server listens on ${server.url}, expected ${origin}`);
    return new AppServer(server, origin);
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Stops the server (the gateway closes every socket with 1012), keeping its data. */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    // Browsers keep idle keep-alive connections open; close each one as it goes idle.
    const sweeper = setInterval(() => running.app.server.closeIdleConnections(), 50);
    try {
      await running.app.close();
    } finally {
      clearInterval(sweeper);
      await running.storage.close();
    }
  }

  /** Starts the server again on the same port and data. */
  async restart(): Promise<void> {
    if (this.running) return;
    this.running = await startServer(this.first.config);
    if (this.running.url !== this.url) throw new Error(`restarted on ${this.running.url}, expected ${this.url}`);
  }

  async close(): Promise<void> {
    if (this.running === this.first) {
      this.running = undefined;
      await this.first.close(); // also removes the data directory
      return;
    }
    await this.stop();
    fs.rmSync(this.first.dataDir, { recursive: true, force: true });
  }
}

/**
 * For a browser suite: the app with its demo data and a browser, started before the suite's tests
 * and closed after them (the hooks are registered on the calling `describe`).
 */
export function demoAppAndBrowser(browserArgs: string[] = []): { server: AppServer; browser: Browser } {
  const app = {} as { server: AppServer; browser: Browser };
  before(async () => {
    [app.server, app.browser] = await Promise.all([AppServer.start({ seedDemo: true }), launchBrowser(browserArgs)]);
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}

/** A fresh browser context (its own cookies and IndexedDB: one user). */
export async function newUserContext(browser: Browser, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  return { context, page };
}

/** Logs in through the /login form of PRODUCT.md's contract and waits for the live chat screen. */
export async function logIn(page: Page, baseUrl: string, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.pathname === '/rooms');
  await waitForOnline(page);
}

/** The chat screen is loaded and its real-time connection is up (the banner shows only when it is not). */
export async function waitForOnline(page: Page): Promise<void> {
  await timeline(page).waitFor();
  await page.locator('[data-connection]').waitFor({ state: 'detached' });
}

/** Opens a channel from the sidebar. */
export async function openChannel(page: Page, name: string): Promise<void> {
  // The accessible name may go on with an unread badge ("Development Team 2 unread").
  const link = page.getByRole('navigation', { name: 'Channels' }).getByRole('button', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`) });
  await link.click();
  await page.getByRole('heading', { level: 1, name: `# ${name}` }).waitFor();
}

export const timeline = (page: Page): Locator => page.getByRole('log', { name: 'Messages' });

/** A delivered message in the channel timeline (pending ones carry no message id). */
export const messageIn = (page: Page, text: string): Locator => delivered(timeline(page), text);

/** Delivered messages (pending ones carry no message id) under `scope` whose text contains `text`. */
export const delivered = (scope: Locator, text: string): Locator => scope.locator('article[data-message-id]').filter({ hasText: text });

/** A message by its id, wherever it is shown (timeline or thread panel). */
export const byId = (page: Page, id: string): Locator => page.locator(`article[data-message-id="${id}"]`);

/** The channel view (not the thread panel, which has a composer of its own). */
export const conversation = (page: Page): Locator => page.getByRole('main', { name: 'Conversation' });
export const composer = (page: Page): Locator => conversation(page).getByPlaceholder('Type a message...');
export const threadPanel = (page: Page): Locator => page.getByRole('complementary', { name: 'Thread' });

/** Types into the channel composer and clicks the Send button (PRODUCT.md's contract). */
export async function sendMessage(page: Page, body: string): Promise<void> {
  await composer(page).fill(body);
  await conversation(page).getByRole('button', { name: 'Send', exact: true }).click();
}

/** Sends a message and waits until it is delivered; returns its id. */
export async function sendAndWait(page: Page, body: string): Promise<string> {
  await sendMessage(page, body);
  const article = messageIn(page, body);
  await article.waitFor();
  const id = await article.getAttribute('data-message-id');
  if (!id) throw new Error('a delivered message without an id');
  return id;
}

/** Polls a value computed in Node (often from the page) until it satisfies `ok`. */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = UI_TIMEOUT): Promise<T> {
  let last: T | undefined;
  try {
    await until(
      async () => {
        last = await read();
        return ok(last);
      },
      what,
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last value: ${JSON.stringify(last)}`);
  }
  return last as T;
}

/** Every dialog (alert, confirm, prompt) the page opens, dismissed so nothing blocks. */
export function recordDialogs(page: Page): string[] {
  const seen: string[] = [];
  page.on('dialog', (dialog) => {
    seen.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  return seen;
}

/** Uncaught errors in the page: a test that ends with some has found a bug. */
export function recordPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/** Saves a screenshot under test-output/screenshots/ (not committed) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** A REST client signed in with Bearer tokens, to check from outside the browser what the server stored. */
export async function apiAs(baseUrl: string, username: string, password = DEMO_PASSWORD): Promise<RelayDeskClient> {
  const client = sdkClient(baseUrl);
  await client.api.auth.token({ username, password });
  return client;
}

export async function channelIdByName(client: RelayDeskClient, name: string): Promise<string> {
  for (const ws of (await client.api.workspaces.list()).workspaces) {
    const found = (await client.api.workspaces.channels(ws.id)).channels.find((c) => c.name === name);
    if (found) return found.id;
  }
  throw new Error(`no channel named ${name}`);
}

/** How many stored top-level messages of the channel's latest 100 have exactly this body. */
export async function storedCount(client: RelayDeskClient, channelId: string, body: string): Promise<number> {
  const page = await client.api.channels.history(channelId, { limit: 100 });
  return page.messages.filter((m) => m.body === body && !m.deleted).length;
}

/** A tag that makes message bodies unique per run. */
export function tag(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** axe-core's findings on the page as it is now (every rule axe runs by default, WCAG 2.x A/AA and best practices). */
export async function axeScan(page: Page): Promise<{ blocking: string[]; other: string[] }> {
  const result = await new AxeBuilder({ page }).analyze();
  const describe = (v: (typeof result.violations)[number]) =>
    `${v.impact ?? 'unknown'} ${v.id}: ${v.help} — ${v.nodes
      .slice(0, 5)
      .map((n) => n.target.join(' '))
      .join(', ')}`;
  const blocking = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return { blocking: blocking.map(describe), other: result.violations.filter((v) => !blocking.includes(v)).map(describe) };
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `selector`, at most `max` times;
 * returns a short description of every stop on the way, marked "(in a message)" for those inside one.
 */
export async function tabTo(page: Page, selector: string, options: { backwards?: boolean; max?: number } = {}): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < (options.max ?? 150); i++) {
    await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
    const { hit, label } = await page.evaluate(
      (selector) => {
        const el = document.activeElement;
        if (!el || el === document.body) return { hit: false, label: 'body' };
        const text = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40);
        const hit = el.matches(selector);
        const inMessage = el.closest('[data-message-id]') ? ' (in a message)' : '';
        return { hit, label: `${el.tagName.toLowerCase()} "${text}"${inMessage}` };
      },
      selector,
    );
    stops.push(label);
    if (hit) return stops;
  }
  throw new Error(`${selector} not reached with ${options.max ?? 150} presses of ${options.backwards ? 'Shift+Tab' : 'Tab'}; stops: ${stops.join(' → ')}`);
}
