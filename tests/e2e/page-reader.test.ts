import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { createBook, pagesWith, type FixtureBook } from '../helpers/books.ts';
import { browserUnavailable, launchBrowser, listen } from '../helpers/browser.ts';
import { gateAllowing } from '../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../helpers/test-context.ts';
import { serviceWorkerSource } from '../../src/features/public/pwa.ts';

/**
 * The page-picture reader and the service worker in a real Chromium, as an Android phone.
 * /sw.js is served by the outer app here so that a "deploy" (a new shell version) can be simulated.
 */
const skip = browserUnavailable();
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const ANDROID = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';

let env: TestEnv;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let book: FixtureBook;
let onlineOnly: FixtureBook;
let swVersion = 'v1';

beforeAll(async () => {
  if (skip) return;
  env = await createTestEnv({ publishGate: gateAllowing({ noDownload: (id) => id === onlineOnly?.id }) });
  book = await createBook(env.ctx, {
    title: 'Đất rừng phương Nam',
    authors: ['Đoàn Giỏi'],
    pages: pagesWith(8, { 3: 'Chú bé An và bạn đọc sách ân tình ở rừng U Minh.' }),
  });
  onlineOnly = await createBook(env.ctx, { title: 'Sách chỉ đọc trực tuyến', pages: pagesWith(3) });
  const root = path.resolve(import.meta.dirname, '../..');
  const outer = express();
  outer.get('/sw.js', (_req, res) => {
    const source = serviceWorkerSource(root).replace(/const VERSION = '[^']*';/, `const VERSION = '${swVersion}';`);
    res.set('Cache-Control', 'no-cache').type('text/javascript').send(source);
  });
  outer.use(env.app);
  server = await listen(outer as unknown as App);
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  if (skip) return;
  await browser?.close();
  await server?.close();
  await env?.cleanup();
});

async function phone(opts: { javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: server.baseURL,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'vi-VN',
    userAgent: ANDROID,
    ...opts,
  });
  context.setDefaultTimeout(30_000);
  return context;
}

const pictureShown = (page: Page, n: number) =>
  expect
    .poll(
      () =>
        page.evaluate(`(() => { const i = document.getElementById('page-img');
          return i.complete && i.naturalWidth > 0 && /\\/anh\\/${n}-\\d+\\.webp/.test(i.currentSrc) ? ${n} : 0; })()`),
      { timeout: 30_000 },
    )
    .toBe(n);

/** Request paths of the phone's saved entries in the service worker's caches, by cache name. */
const savedKeys = (page: Page) =>
  page.evaluate(`(async () => {
    const out = {};
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
    return out;
  })()`) as Promise<Record<string, string[]>>;

const savedList = (page: Page) =>
  page.evaluate(`caches.open('tvs-books').then((c) => c.match('/__books')).then((r) => (r ? r.json() : []))`) as Promise<string[]>;

describe.skipIf(skip)('the page-picture reader on an Android phone', () => {
  it('opens by default as pictures, turns to a prefetched page without a request, remembers zoom', async () => {
    const context = await phone();
    const page = await context.newPage();
    const pictures: string[] = [];
    page.on('request', (r) => {
      if (/\/anh\/\d+-\d+\.webp$/.test(r.url())) pictures.push(new URL(r.url()).pathname);
    });
    await page.goto(`/doc/${book.id}`);
    await pictureShown(page, 1);
    expect(await page.locator('script[src*="pdf.min.mjs"]').count()).toBe(0);
    // The browser picked the 720-px picture for a 360-px screen at 2×, and the script fetched pages 2–3 ahead.
    await expect
      .poll(() => pictures.slice().sort(), { timeout: 30_000 })
      .toEqual([`/sach/${book.id}/anh/1-720.webp`, `/sach/${book.id}/anh/2-720.webp`, `/sach/${book.id}/anh/3-720.webp`].sort());
    await page.click('#next');
    await pictureShown(page, 2);
    expect(page.url()).toMatch(new RegExp(`/doc/${book.id}/anh/2$`));
    expect(pictures.filter((p) => p.includes('/anh/2-')).length).toBe(1); // shown from the prefetch
    // Zoom: bigger on screen, remembered on the phone after a reload.
    const width = () => page.evaluate(`document.getElementById('sheet').getBoundingClientRect().width`) as Promise<number>;
    const before = await width();
    await page.click('#zoom-in');
    await page.click('#zoom-in');
    expect(await width()).toBeGreaterThan(before * 1.4);
    await page.reload();
    await pictureShown(page, 2);
    expect(await width()).toBeGreaterThan(before * 1.4);
    await page.goBack().catch(() => undefined);
    await context.close();
  });

  it('deep link from a passage: that page only, with the hits drawn as boxes over the picture', async () => {
    const context = await phone();
    const page = await context.newPage();
    const pictures: string[] = [];
    page.on('request', (r) => {
      if (/\/anh\/\d+-\d+\.webp$/.test(r.url())) pictures.push(new URL(r.url()).pathname);
    });
    await page.goto(`/doc/${book.id}?trang=3&q=an#page=3`);
    await pictureShown(page, 3);
    expect(pictures.some((p) => p.includes('/anh/1-'))).toBe(false);
    // The boxes follow the picture (their words are read on their own, never delaying it).
    await expect.poll(() => page.locator('#marks span').count(), { timeout: 20_000 }).toBe(2); // "An" and "ân", not "bạn"
    expect(await page.textContent('#hits')).toContain('2 chỗ khớp');
    await context.close();
  });

  it('passes axe-core checks (no serious or critical violations): picture reader with hits, text mode with its controls', async () => {
    const context = await phone();
    const page = await context.newPage();
    for (const url of [`/doc/${book.id}/anh/3?q=an`, `/doc/${book.id}/trang/3`]) {
      await page.goto(url);
      await page.evaluate(axeSource);
      const violations = (await page.evaluate(`axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }).then((r) =>
        r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`)) as string[];
      expect(violations, url).toEqual([]);
    }
    await context.close();
  });

  it('works without JavaScript: a picture and plain links page to page', async () => {
    const context = await phone({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`/doc/${book.id}/anh/4`);
    expect(await page.getAttribute('#page-img', 'srcset')).toContain('480w');
    await page.click('#next');
    await page.waitForURL(new RegExp(`/doc/${book.id}/anh/5$`));
    await page.fill('#page-input', '7');
    await page.click('#page-form button[type="submit"]');
    await page.waitForURL(new RegExp(`/doc/${book.id}/anh/7$`));
    expect(await page.evaluate(`document.getElementById('page-img').naturalWidth`)).toBeGreaterThan(0);
    await context.close();
  });
});

describe.skipIf(skip)('the service worker on prepaid data', () => {
  it('a first visit to the home page precaches no reader code; the reader keeps what was viewed and reads it offline', async () => {
    swVersion = 'v1';
    const context = await phone();
    const page = await context.newPage();
    await page.goto('/');
    await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 30_000 }).toBe(true);
    const afterHome = Object.values(await savedKeys(page)).flat();
    expect(afterHome.some((k) => /reader|pdf|page-reader/.test(k))).toBe(false);
    expect(afterHome).toContain('/static/css/app.css');

    await page.goto(`/doc/${book.id}/anh/2`);
    await pictureShown(page, 2);
    await expect
      .poll(async () => (await savedKeys(page))['tvs-books'] ?? [], { timeout: 30_000 })
      .toEqual(expect.arrayContaining([`/sach/${book.id}/anh/2-720.webp`]));
    await context.setOffline(true);
    await page.reload();
    await pictureShown(page, 2);
    expect(await page.isVisible('#offline')).toBe(true);
    await context.setOffline(false);

    // A deploy: a new shell version. The old shell goes, the saved book stays.
    swVersion = 'v2';
    await page.evaluate('navigator.serviceWorker.getRegistration().then((r) => r.update())');
    await expect
      .poll(async () => Object.keys(await savedKeys(page)).sort(), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['tvs-shell-v2', 'tvs-books']));
    await expect.poll(async () => Object.keys(await savedKeys(page)), { timeout: 30_000 }).not.toContain('tvs-shell-v1');
    expect((await savedKeys(page))['tvs-books']).toContain(`/sach/${book.id}/anh/2-720.webp`);
    await context.close();
  });

  it('keeps the five most recent books (the oldest is evicted), with list updates serialised', async () => {
    const context = await phone();
    const page = await context.newPage();
    await page.goto('/');
    await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 30_000 }).toBe(true);
    const books = [book];
    for (let i = 0; i < 5; i++) books.push(await createBook(env.ctx, { title: `Sách số ${i + 1}`, pages: pagesWith(2) }));
    // Six books' pictures fetched at once, as a reader with several tabs would: without the lock,
    // concurrent read-modify-write of the list would lose entries.
    await page.evaluate(`Promise.all(${JSON.stringify(books.map((b) => `/sach/${b.id}/anh/1-480.webp`))}.map((u, i) =>
      new Promise((r) => setTimeout(r, i * 150)).then(() => fetch(u)).then((r) => r.arrayBuffer())))`);
    await expect.poll(() => savedList(page), { timeout: 30_000 }).toHaveLength(5);
    const list = await savedList(page);
    expect(list).not.toContain(String(book.id)); // the first one read is the one evicted
    const keys = (await savedKeys(page))['tvs-books'];
    expect(keys.some((k) => k.startsWith(`/sach/${book.id}/`))).toBe(false);
    for (const b of books.slice(1)) expect(keys).toContain(`/sach/${b.id}/anh/1-480.webp`);
    await context.close();
  });

  it('never stores a byte of an online-only book: its PDF is refused through the service worker too', async () => {
    const context = await phone();
    const page = await context.newPage();
    await page.goto(`/doc/${onlineOnly.id}`);
    await pictureShown(page, 1);
    await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 30_000 }).toBe(true);
    const status = await page.evaluate(
      `fetch('/sach/${onlineOnly.id}/tep.pdf', { headers: { Range: 'bytes=0-32767' } }).then((r) => r.status)`,
    );
    expect(status).toBe(403);
    const keys = Object.values(await savedKeys(page)).flat();
    expect(keys.some((k) => k.includes(`/sach/${onlineOnly.id}/tep.pdf`))).toBe(false);
    await context.close();
  });
});

// Guard against the fixture drifting: the worker served here is the project's own file.
it.skipIf(skip)('serves the project service worker (static/js/sw.js)', () => {
  expect(fs.readFileSync(path.resolve(import.meta.dirname, '../../static/js/sw.js'), 'utf8')).toContain("const BOOKS = 'tvs-books';");
});
