import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.ts';
import type { TestEnv } from './test-context.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why browser tests cannot run here, or null when they can. Under CI=true a missing browser is
 * a failure, not a skip: CI installs Chromium, so its absence means the pipeline is broken.
 */
export function browserUnavailable(): string | null {
  if (fs.existsSync(CHROMIUM_PATH)) return null;
  const reason = `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`${reason}: browser tests are required in CI`);
  console.warn(`[e2e skipped] ${reason}`);
  return reason;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A phone-sized page context (an ordinary mid-range Android phone). */
/**
 * Client hints of a good connection. Headless Chromium sends its own estimate as `Downlink`, with
 * random privacy noise around 1.5 Mbit/s on loopback (1.4 on one request, 1.5 on the next), right
 * at the threshold below which /doc/:id serves the picture reader (reader-choice.ts): a test of the
 * pdf.js reader must not depend on that coin toss.
 */
export const GOOD_CONNECTION_HINTS = { ECT: '4g', Downlink: '10' };

export async function phoneContext(browser: Browser, opts: { baseURL: string; goodConnection?: boolean }): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: opts.baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'vi-VN',
    ...(opts.goodConnection ? { extraHTTPHeaders: GOOD_CONNECTION_HINTS } : {}),
  });
  // A stuck step should fail with Playwright's description of what it waited for, not a bare test timeout.
  context.setDefaultTimeout(30_000);
  return context;
}

/**
 * Fills in the sign-in form the page is on and waits until the browser lands on `landsOn`.
 * Waits on Playwright's navigation timer, not a short poll: argon2id on a busy 2-core CI
 * machine can take more than a second. When sign-in is refused, the error names the page's
 * own message (wrong password, rate limit…) instead of a bare "wrong URL".
 */
export async function submitSignIn(page: Page, email: string, password: string, landsOn: string | RegExp): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Mật khẩu', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  const arrived = (u: URL) => (typeof landsOn === 'string' ? u.pathname === landsOn : landsOn.test(u.pathname));
  try {
    await page.waitForURL(arrived, { timeout: 30_000 });
  } catch (err) {
    const said = await page
      .locator('.flash')
      .allTextContents()
      .catch(() => []);
    throw new Error(
      `sign-in as ${email} did not reach ${String(landsOn)}; still on ${new URL(page.url()).pathname}, page says: ${said.join(' | ') || '(nothing)'}`,
      { cause: err },
    );
  }
}

/** Serves the app on a free loopback port. */
export async function listen(app: App): Promise<{ server: Server; baseURL: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    baseURL: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface BrowserApp {
  env: TestEnv;
  server: Awaited<ReturnType<typeof listen>>;
  browser: Browser;
}

/**
 * A browser test file's fixture: the app of `makeEnv()` served on loopback and a Chromium, set up
 * before the file's tests and torn down after them. Fields are filled in by `beforeAll`.
 */
export function browserApp(makeEnv: () => Promise<TestEnv>): BrowserApp {
  const t = {} as BrowserApp;
  beforeAll(async () => {
    t.env = await makeEnv();
    t.server = await listen(t.env.app);
    t.browser = await launchBrowser();
  });
  afterAll(async () => {
    await t.browser?.close();
    await t.server?.close();
    await t.env?.cleanup();
  });
  return t;
}
