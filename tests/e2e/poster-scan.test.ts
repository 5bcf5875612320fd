import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, createUser } from '../helpers/auth.ts';
import { browserUnavailable, launchBrowser, phoneContext, submitSignIn } from '../helpers/browser.ts';
import { freePort } from '../helpers/free-port.ts';
import { createTestEnv, type TestEnv } from '../helpers/test-context.ts';
import { PHONE_UA } from '../integration/stats/fixtures.ts';

const run = promisify(execFile);
const skipReason = browserUnavailable();

/** zbarimg (Debian's zbar-tools) — a real QR decoder; the test needs it like it needs Chromium. */
async function zbarAvailable(): Promise<boolean> {
  try {
    await run('zbarimg', ['--version']);
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('zbarimg missing: CI must install zbar-tools');
    console.warn('[e2e skipped] zbarimg not found (apt-get install zbar-tools)');
    return false;
  }
}
const canDecode = skipReason === null ? await zbarAvailable() : false;

describe.skipIf(skipReason !== null || !canDecode)('a printed poster, scanned with a phone, shows on the dashboard', () => {
  let env: TestEnv;
  let server: Server;
  let baseURL: string;
  let browser: Browser;
  let tmp: string;

  beforeAll(async () => {
    // The public base URL is the address the test server really listens on, so the printed
    // QR code leads back to it.
    const port = await freePort();
    baseURL = `http://127.0.0.1:${port}`;
    env = await createTestEnv({ env: { PUBLIC_BASE_URL: baseURL } });
    server = env.app.listen(port, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    browser = await launchBrowser();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-poster-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await env?.cleanup();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  async function signIn(context: BrowserContext, email: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto('/dang-nhap');
    await submitSignIn(page, email, TEST_PASSWORD, '/admin');
    return page;
  }

  /** The dashboard's scan count for a place ("today"), as a leader sees it. */
  async function scansOnDashboard(page: Page, placeName: string): Promise<number> {
    await page.goto('/admin/stats?range=today');
    const row = page.locator('#locations-table tbody tr', { hasText: placeName });
    if ((await row.count()) === 0) return 0;
    return Number(await row.locator('td[data-scans]').getAttribute('data-scans'));
  }

  it('prints the poster, decodes its QR from a screenshot, scans it and sees the count change', async () => {
    const librarianUser = await createUser(env.ctx, 'librarian');
    const leaderUser = await createUser(env.ctx, 'leader');

    // A librarian creates the place and opens its A4 poster on a computer.
    const desk = await browser.newContext({ baseURL, viewport: { width: 1000, height: 1400 }, locale: 'vi-VN', deviceScaleFactor: 2 });
    const admin = await signIn(desk, librarianUser.email);
    await admin.goto('/admin/locations');
    await admin.getByLabel('Tên điểm').fill('Nhà văn hóa khu phố 6');
    await admin.getByLabel('Loại điểm').selectOption('community_house');
    await admin.getByLabel('Phường/xã').fill('Phường Bến Thành');
    await admin.getByRole('button', { name: 'Thêm điểm mới' }).click();
    await expect.poll(() => admin.url()).toMatch(/\/admin\/locations\/\d+$/);
    await admin.getByRole('link', { name: 'Áp phích khổ A4' }).click();
    await admin.locator('img.qr').evaluate((img: { complete: boolean }) => img.complete);
    const printedUrl = (await admin.locator('p.url').textContent())!.trim();
    expect(printedUrl).toMatch(new RegExp(`^${baseURL.replace(/\./g, '\\.')}/q/[a-z0-9]{6}$`));

    // Print it (PDF, one A4 page) and take the print-media rendering as the "photo" to decode.
    await admin.emulateMedia({ media: 'print' });
    const pdf = await admin.pdf({ preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
    expect(await admin.locator('.tools').isVisible()).toBe(false);
    const shot = path.join(tmp, 'poster.png');
    await admin.locator('main.sheet').screenshot({ path: shot });
    const { stdout } = await run('zbarimg', ['--raw', '-q', shot]);
    const decoded = stdout.trim();
    expect(decoded).toBe(printedUrl);

    // A union leader watches the dashboard: no scans yet for this place.
    const leaderCtx = await phoneContext(browser, { baseURL });
    const dash = await signIn(leaderCtx, leaderUser.email);
    expect(await scansOnDashboard(dash, 'Nhà văn hóa khu phố 6')).toBe(0);

    // A reader scans the poster with a phone: the QR leads to the home page, which names the place.
    // A real phone's user agent: headless Chromium announces itself as "HeadlessChrome", which the
    // bot filter rightly counts as a crawler.
    const phone = await browser.newContext({
      baseURL,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
      userAgent: PHONE_UA,
    });
    const reader = await phone.newPage();
    await reader.goto(decoded);
    expect(new URL(reader.url()).pathname).toBe('/');
    expect(await reader.locator('body').textContent()).toContain('Nhà văn hóa khu phố 6');

    // The count changes on the leader's dashboard.
    await expect.poll(() => scansOnDashboard(dash, 'Nhà văn hóa khu phố 6'), { timeout: 30_000 }).toBe(1);
    const visits = Number((await dash.locator('[data-metric="visits"] .v').textContent())!.replace(/\D/g, ''));
    expect(visits).toBeGreaterThanOrEqual(1);
    const overflow = await dash.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number }).document.documentElement
          .scrollWidth - (globalThis as unknown as { innerWidth: number }).innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0); // the dashboard fits a phone

    await desk.close();
    await leaderCtx.close();
    await phone.close();
  });
});
