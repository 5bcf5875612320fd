import { createRequire } from 'node:module';
import fs from 'node:fs';
import express from 'express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBook, pagesWith, withdrawBook, type FixtureBook } from '../helpers/books.ts';
import { browserUnavailable, GOOD_CONNECTION_HINTS, launchBrowser, listen, phoneContext } from '../helpers/browser.ts';
import { openPublishGate } from '../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../helpers/test-context.ts';

const skip = browserUnavailable();
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let env: TestEnv;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let context: BrowserContext;
let war: FixtureBook;
/** A weak signal: the site gets the requests but no answer comes back (the phone still says "online"). */
let stalled = false;

beforeAll(async () => {
  if (skip) return;
  env = await createTestEnv({ publishGate: openPublishGate });
  war = await createBook(env.ctx, {
    title: 'Lịch sử thế kỷ hai mươi',
    authors: ['Trần Văn Giàu'],
    categories: ['lich-su'],
    description: 'Những biến cố lớn của thế kỷ hai mươi.',
    pages: pagesWith(
      24,
      {
        17: 'Cuộc chiến tranh thế giới thứ hai bùng nổ năm 1939 ở châu Âu.',
      },
      (n) => `Trang ${n}. Nội dung sách thường ngày, không có gì đặc biệt.`,
    ),
    outline: [
      { title: 'Chương một: Mở đầu', page: 2 },
      { title: 'Chương hai: Chiến tranh', page: 15, children: [{ title: 'Năm 1939', page: 17 }] },
    ],
    withCover: true,
  });
  await createBook(env.ctx, { title: 'Truyện Kiều', authors: ['Nguyễn Du'], categories: ['van-hoc-viet-nam'], pages: pagesWith(6) });
  const outer = express();
  outer.use((_req, _res, next) => {
    if (!stalled) next();
  });
  outer.use(env.app);
  server = await listen(outer as unknown as App);
  browser = await launchBrowser();
  // The pdf.js reader on a phone with a good connection (a slow one would get the picture reader).
  context = await phoneContext(browser, { baseURL: server.baseURL, goodConnection: true });
}, 180_000);

afterAll(async () => {
  if (skip) return;
  await browser?.close();
  await server?.close();
  await env?.cleanup();
});

// The project compiles without DOM types: browser-side code reaches the DOM through `globalThis`
// (written inline: these functions are serialised and run in the page).
/* eslint-disable @typescript-eslint/no-explicit-any */
// Waits use selectors and page.evaluate (DevTools), not page.waitForFunction: the latter compiles
// its predicate inside the page, which the reader's CSP (no 'unsafe-eval') rightly refuses.
async function firstPageShown(page: Page): Promise<void> {
  await page.locator('body[data-first-page]').waitFor({ state: 'attached', timeout: 30_000 });
}
const onPage = (page: Page, n: number) => expect.poll(() => page.inputValue('#page-input'), { timeout: 30_000 }).toBe(String(n));
const currentPage = (page: Page) => page.inputValue('#page-input').then(Number);

/** A new phone that opened `path` twice: once to install the service worker, once under it, which saves the page and its byte ranges. */
async function openUnderServiceWorker(path: string): Promise<{ phone: BrowserContext; page: Page }> {
  const phone = await phoneContext(browser, { baseURL: server.baseURL, goodConnection: true });
  const page = await phone.newPage();
  await page.goto(path);
  await firstPageShown(page);
  await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 30_000 }).toBe(true);
  await page.reload();
  await firstPageShown(page);
  return { phone, page };
}

/** How many of the phone's saved entries (pages and byte ranges, or byte ranges only) belong to the book, at `/` or in a library's address. */
function savedEntries(page: Page, bookId: number, only: 'all' | 'ranges' = 'all'): Promise<number> {
  return page.evaluate(`(async () => {
    let n = 0;
    for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) {
      const url = new URL(r.url);
      if (url.pathname.match(/^(?:\\/[a-z0-9-]+)?\\/(?:doc|sach)\\/(\\d+)/)?.[1] !== '${bookId}') continue;
      if ('${only}' === 'all' || url.search.startsWith('?bytes=')) n++;
    }
    return n;
  })()`) as Promise<number>;
}

async function axe(page: Page, label: string): Promise<void> {
  await page.evaluate(axeSource); // through DevTools, so the page's CSP (no inline script) still holds
  const result = (await page.evaluate(`axe.run({ runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`)) as Array<{
    id: string;
    impact: string;
    nodes: string[];
  }>;
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (result.length) console.log(`[axe] ${label}:`, JSON.stringify(result));
  expect(serious, label).toEqual([]);
}

describe.skipIf(skip)('readers on a phone', () => {
  it('search without diacritics → a passage hit → the reader opens at that page with the words highlighted', async () => {
    const page = await context.newPage();
    await page.goto('/');
    await page.fill('#q', 'chien tranh the gioi');
    await page.press('#q', 'Enter');
    await page.waitForURL(/\/tim-kiem\?q=chien/);
    const hit = page.locator('.passages a.passage').first();
    await expect(hit.textContent()).resolves.toContain('trang 17');
    await hit.click();
    await page.waitForURL(new RegExp(`/doc/${war.id}\\?trang=17&q=chien.*#page=17$`));
    await firstPageShown(page);
    await onPage(page, 17);
    expect(await currentPage(page)).toBe(17);
    // The text layer of page 17 gets the matched words highlighted (accent-insensitive).
    await page.waitForSelector('.page[data-page-number="17"] .textLayer .hl', { timeout: 30_000 });
    const words = await page.$$eval('.page[data-page-number="17"] .textLayer .hl', (els) =>
      els.map((e) => (e.textContent ?? '').toLowerCase()),
    );
    expect(words.join(' ')).toContain('chiến');
    await page.close();
  });

  it('navigates with the table of contents and deep links', async () => {
    const page = await context.newPage();
    await page.goto(`/doc/${war.id}#page=3`);
    await firstPageShown(page);
    await onPage(page, 3);
    await page.click('#btn-toc');
    await expect(page.getAttribute('#btn-toc', 'aria-expanded')).resolves.toBe('true');
    await page.click('#panel-toc a[data-page="15"]');
    await onPage(page, 15);
    expect(page.url()).toMatch(/#page=15$/);
    expect(await page.isVisible('#panel-toc')).toBe(false);
    await page.click('#btn-next');
    await onPage(page, 16);
    await page.close();
  });

  it('turns pages with a swipe and zooms with a pinch (real touch events)', async () => {
    const page = await context.newPage();
    await page.goto(`/doc/${war.id}#page=5`);
    await firstPageShown(page);
    await onPage(page, 5);
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: Array<[number, number]>) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y]) => ({ x, y })) });
    // A swipe is a quick gesture (< 600 ms): on a loaded machine the DevTools round trips can be
    // slower than a finger, so a swipe that came out too slow is tried again (at most three times).
    const swipe = async (fromX: number, toX: number, wantPage: number) => {
      for (let attempt = 0; attempt < 3 && (await currentPage(page)) !== wantPage; attempt++) {
        await touch('touchStart', [[fromX, 420]]);
        await touch('touchMove', [[(fromX + toX) / 2, 422]]);
        await touch('touchMove', [[toX, 424]]);
        await touch('touchEnd', []);
        await new Promise((r) => setTimeout(r, 300));
      }
      await onPage(page, wantPage);
    };
    await swipe(320, 100, 6); // right to left: the next page
    await swipe(80, 320, 5); // and back (not the browser's swipe-back out of the book)

    // Pinch out: fingers twice as far apart → about twice the scale, rendered for real at the end.
    const pageWidth = () => page.evaluate('document.querySelector(".pdfViewer .page").getBoundingClientRect().width') as Promise<number>;
    const before = await pageWidth();
    await touch('touchStart', [
      [150, 420],
      [240, 420],
    ]);
    for (const [a, b] of [
      [135, 255],
      [120, 270],
      [105, 285],
    ])
      await touch('touchMove', [
        [a, 420],
        [b, 420],
      ]);
    await touch('touchEnd', []);
    await expect.poll(pageWidth, { timeout: 30_000 }).toBeGreaterThan(before * 1.8);
    expect(await page.evaluate('document.getElementById("viewer").style.transform')).toBe('');
    await cdp.detach();
    await page.close();
  });

  it('remembers the last page on the device and offers to resume after a reload; the home page lists it', async () => {
    const page = await context.newPage();
    await page.goto(`/doc/${war.id}`);
    await firstPageShown(page);
    await page.fill('#page-input', '9');
    await page.press('#page-input', 'Enter');
    await onPage(page, 9);
    await page.goto(`/doc/${war.id}`);
    await firstPageShown(page);
    await page.waitForSelector('#resume:not([hidden])');
    expect(await page.textContent('#resume')).toContain('trang 9');
    await page.click('#resume button:first-of-type');
    await onPage(page, 9);
    await page.goto('/');
    await page.waitForSelector('#continue:not([hidden])');
    expect(await page.textContent('#continue')).toContain('Lịch sử thế kỷ hai mươi');
    expect(await page.getAttribute('#continue a', 'href')).toBe(`/doc/${war.id}?trang=9#page=9`);
    await page.close();
  });

  it('searches inside the book from the reader and jumps to a hit', async () => {
    const page = await context.newPage();
    await page.goto(`/doc/${war.id}`);
    await firstPageShown(page);
    await page.click('#btn-search');
    await page.fill('#bq', 'bung no nam 1939');
    await page.press('#bq', 'Enter');
    await page.waitForSelector('#search-hits li a');
    expect(await page.innerHTML('#search-hits li a')).toContain('<mark>');
    await page.click('#search-hits li a');
    await onPage(page, 17);
    await page.close();
  });

  it('installs a service worker and reopens the last book offline, with an offline banner', async () => {
    const { phone, page } = await openUnderServiceWorker(`/doc/${war.id}#page=1`);
    await phone.setOffline(true);
    await page.reload();
    await firstPageShown(page);
    // The service worker answered with its saved copy and marked it so. The banner must not rely on
    // navigator.onLine alone: it stays true on a weak signal, and in Chromium 150 an emulated
    // offline state no longer reaches a reloaded page either.
    expect(await page.getAttribute('body', 'data-saved-copy')).toBe('');
    expect(await page.isVisible('#offline')).toBe(true);
    expect(await page.getAttribute('body', 'data-first-page')).toBe('1');
    await page.goto('/tim-kiem?q=khong-ket-noi').catch(() => undefined);
    expect(await page.textContent('body')).toContain('Bạn đang ngoại tuyến');
    await phone.close();
  });

  it('on a weak signal (requests hang, the phone says online), reopens a saved book after a few seconds, with the offline banner', async () => {
    const { phone, page } = await openUnderServiceWorker(`/doc/${war.id}#page=1`);
    await expect.poll(() => savedEntries(page, war.id, 'ranges'), { timeout: 30_000 }).toBeGreaterThan(0);
    stalled = true;
    try {
      const started = Date.now();
      // domcontentloaded: the page-1 picture is an image straight from the (silent) site.
      await page.reload({ waitUntil: 'domcontentloaded' });
      await firstPageShown(page);
      console.log(`[measure] weak signal: reader page 1 drawn from the saved copy after ${Date.now() - started} ms`);
      expect(await page.evaluate('navigator.onLine')).toBe(true);
      expect(await page.getAttribute('body', 'data-saved-copy')).toBe('');
      expect(await page.isVisible('#offline')).toBe(true);
    } finally {
      stalled = false;
    }
    await phone.close();
  });

  it('shows the picture of page 1 until pdf.js has drawn the page, and not when another page is asked for', async () => {
    expect(await env.ctx.services.pagePreviews.ensure(war.id, `${war.sha256}.pdf`)).toBe(true);
    const page = await context.newPage();
    const res = await page.goto(`/doc/${war.id}`);
    expect(await res?.text()).toContain('id="preview"');
    await firstPageShown(page);
    expect(await page.locator('#preview').count()).toBe(0); // gave way to the real page
    expect(await page.evaluate('document.body.classList.contains("preview-on")')).toBe(false);
    await page.close();
    const deep = await context.newPage(); // a fresh load straight to page 17 (not a hash change)
    await deep.goto(`/doc/${war.id}#page=17`, { waitUntil: 'domcontentloaded' });
    await deep.locator('script[src="/static/js/reader-preview.js"]').waitFor({ state: 'attached' });
    await onPage(deep, 17);
    expect(await deep.locator('#preview').count()).toBe(0);
    await deep.close();
  });

  it('forgets a withdrawn book: once the site answers 404/410, its cached pages and bytes are gone from the phone', async () => {
    const doomed = await createBook(env.ctx, {
      title: 'Sách sẽ bị gỡ',
      authors: ['Tác giả Ẩn danh'],
      categories: ['lich-su'],
      pages: pagesWith(5),
    });
    const { phone, page } = await openUnderServiceWorker(`/doc/${doomed.id}`);
    const cachedEntries = () => savedEntries(page, doomed.id);
    await expect.poll(cachedEntries, { timeout: 30_000 }).toBeGreaterThan(1); // the reader page and byte ranges

    await withdrawBook(env.ctx, doomed.id);
    const gone = await page.goto(`/doc/${doomed.id}`);
    expect(gone?.status()).toBe(404);
    await expect.poll(cachedEntries, { timeout: 30_000 }).toBe(0);
    await phone.setOffline(true);
    await page.goto(`/doc/${doomed.id}`).catch(() => undefined);
    expect(await page.textContent('body')).toContain('Bạn đang ngoại tuyến');
    await phone.close();
  });

  it('forgets a withdrawn book of a ward library too: its pages, pictures and bytes live under /{slug}/…', async () => {
    const ward = await env.ctx.services.libraries.create({
      slug: 'phuong-hai-chau',
      name: 'Thư viện Phường Hải Châu',
      unionName: '',
      address: '',
      contact: '',
    });
    const doomed = await createBook(env.ctx, {
      title: 'Sách của phường sẽ bị gỡ',
      authors: ['Tác giả Ẩn danh'],
      pages: pagesWith(5),
      libraryId: ward.id,
    });
    const { phone, page } = await openUnderServiceWorker(`/phuong-hai-chau/doc/${doomed.id}`);
    // Read offline like a book at `/`: the reader page and its byte ranges are saved.
    await expect.poll(() => savedEntries(page, doomed.id, 'ranges'), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.goto(`/phuong-hai-chau/sach/${doomed.id}`);
    await withdrawBook(env.ctx, doomed.id);
    // Another of the book's pages answers 404: every saved copy of the book goes, not just that page.
    const gone = await page.goto(`/phuong-hai-chau/sach/${doomed.id}`);
    expect(gone?.status()).toBe(404);
    await expect.poll(() => savedEntries(page, doomed.id), { timeout: 30_000 }).toBe(0);
    await phone.close();
  });

  it('offers a text mode without JavaScript', async () => {
    // Fixed good-connection hints: Chromium's own (noisy around our 1.5 Mbit/s threshold) would sometimes pick the picture reader.
    const noJs = await browser.newContext({
      baseURL: server.baseURL,
      viewport: { width: 360, height: 640 },
      javaScriptEnabled: false,
      extraHTTPHeaders: GOOD_CONNECTION_HINTS,
    });
    const page = await noJs.newPage();
    await page.goto(`/sach/${war.id}`);
    await page.click('text=Đọc dạng chữ');
    await page.waitForURL(new RegExp(`/doc/${war.id}/trang/1$`));
    expect(await page.textContent('.page-text')).toContain('Trang 1.');
    await page.click('.pager a[rel="next"] >> nth=0');
    await page.waitForURL(new RegExp(`/doc/${war.id}/trang/2$`));
    // The reader page without JavaScript still offers the outline and text-mode page jumps.
    await page.goto(`/doc/${war.id}`);
    await page.click('#panel-toc a[data-page="17"]');
    await page.waitForURL(new RegExp(`/doc/${war.id}/trang/17$`));
    expect(await page.textContent('.page-text')).toContain('chiến tranh thế giới');
    await noJs.close();
  });

  it('serves an OPDS catalogue that parses as Atom with OPDS link relations', async () => {
    const page = await context.newPage();
    await page.goto('/');
    const report = await page.evaluate(async () => {
      const g = globalThis as any;
      const ATOM = 'http://www.w3.org/2005/Atom';
      const check = async (url: string) => {
        const text = await (await fetch(url)).text();
        const doc = new g.DOMParser().parseFromString(text, 'application/xml');
        const errors = doc.getElementsByTagName('parsererror').length;
        const feed = doc.documentElement;
        const child = (el: any, name: string): any[] =>
          Array.from(el.children as ArrayLike<any>).filter((c) => c.namespaceURI === ATOM && c.localName === name);
        const entries = child(feed, 'entry');
        return {
          errors,
          root: `${feed.namespaceURI} ${feed.localName}`,
          hasRequired: ['id', 'title', 'updated'].every((n) => child(feed, n).length === 1),
          rels: child(feed, 'link').map((l: any) => l.getAttribute('rel')),
          entries: entries.length,
          entriesValid: entries.every(
            (e: any) => ['id', 'title', 'updated'].every((n) => child(e, n).length === 1) && child(e, 'link').length > 0,
          ),
          entryRels: [...new Set(entries.flatMap((e: any) => child(e, 'link').map((l: any) => l.getAttribute('rel'))))],
        };
      };
      return { nav: await check('/opds'), acq: await check('/opds/moi'), search: await check('/opds/tim?q=truyen%20kieu') };
    });
    for (const feed of Object.values(report)) {
      expect(feed.errors).toBe(0);
      expect(feed.root).toBe('http://www.w3.org/2005/Atom feed');
      expect(feed.hasRequired).toBe(true);
      expect(feed.rels).toEqual(expect.arrayContaining(['self', 'start', 'search']));
      expect(feed.entriesValid).toBe(true);
    }
    expect(report.nav.entryRels).toEqual(
      expect.arrayContaining(['http://opds-spec.org/sort/new', 'http://opds-spec.org/sort/popular', 'subsection']),
    );
    expect(report.acq.entries).toBe(2);
    expect(report.acq.entryRels).toEqual(
      expect.arrayContaining(['http://opds-spec.org/acquisition/open-access', 'http://opds-spec.org/image', 'alternate']),
    );
    expect(report.search.entries).toBeGreaterThan(0);
    await page.close();
  });

  it('passes axe-core accessibility checks (no serious or critical violations) on every readers page', async () => {
    const page = await context.newPage();
    for (const [label, url] of [
      ['home', '/'],
      ['search', '/tim-kiem?q=lich%20su'],
      ['no results', '/tim-kiem?q=khong%20co%20gi%20ca'],
      ['book', `/sach/${war.id}`],
      ['category', '/the-loai/lich-su'],
      ['text mode', `/doc/${war.id}/trang/17?q=chien`],
      ['reader', `/doc/${war.id}#page=2`],
    ] as const) {
      await page.goto(url);
      if (label === 'reader') await firstPageShown(page);
      expect(await page.getAttribute('html', 'lang')).toBe('vi');
      await axe(page, label);
    }
    await page.close();
  });
});
