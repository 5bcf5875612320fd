import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBook, pagesWith, type FixtureBook } from '../helpers/books.ts';
import { browserUnavailable, launchBrowser, listen } from '../helpers/browser.ts';
import { openPublishGate } from '../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv } from '../helpers/test-context.ts';
import type { App } from '../../src/app.ts';

/**
 * The readers' budgets, measured in Chromium and printed:
 * - home and search pages ≤ 30 KB transferred (compressed HTML + CSS, covers excluded), no render-blocking script;
 * - a 300+ page book over ~400 kbit/s with 400 ms RTT: first page within 6 s, < 15 % of the file
 *   transferred before it shows — next to the same measurement with Range requests disabled.
 *   "First page" is printed twice: the server-rendered picture of page 1 (what a reader sees first)
 *   and pdf.js's own rendering of it (text selectable, zoomable).
 */
const skip = browserUnavailable();
const CORPUS_BOOK = path.resolve(import.meta.dirname, '../../../shared/corpus/books/freeculture.pdf');
const SLOW = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };

let env: TestEnv;
let server: Awaited<ReturnType<typeof listen>>;
let browser: Browser;
let big: FixtureBook;
let corpus: FixtureBook | undefined;
let small: FixtureBook;
let rangesDisabled = false;

beforeAll(async () => {
  if (skip) return;
  env = await createTestEnv({ publishGate: openPublishGate });
  for (let i = 0; i < 14; i++) {
    await createBook(env.ctx, {
      title: `Sách mẫu số ${i + 1}: ${['Lịch sử', 'Văn học', 'Khoa học'][i % 3]} cho thanh niên`,
      authors: [`Tác giả ${i + 1}`],
      categories: [['lich-su', 'van-hoc-viet-nam', 'khoa-hoc'][i % 3]],
      pages: pagesWith(3),
      withCover: true,
    });
  }
  small = await createBook(env.ctx, { title: 'Sách nhỏ để nạp sẵn trình đọc', pages: pagesWith(2) });
  // Asserted: a typical 320-page text book (≈ 2.6 MB). Reported too: the corpus book, whose page 1
  // is a 268 KB JPEG cover — 5.4 s of pure transfer at 50 KB/s before any round trip.
  big = await createBook(env.ctx, { title: 'Sách dày 320 trang', pages: pagesWith(320), padBytesPerPage: 8000, index: false });
  if (fs.existsSync(CORPUS_BOOK))
    corpus = await createBook(env.ctx, {
      title: 'Free Culture',
      authors: ['Lawrence Lessig'],
      language: 'en',
      pdfPath: CORPUS_BOOK,
      pages: pagesWith(352),
      index: false,
    });
  else console.warn(`[budget] ${CORPUS_BOOK} absent: only the generated 320-page book is measured`);
  // The "range requests disabled" baseline: the same app behind a layer that ignores Range.
  const outer = express();
  outer.use((req, res, next) => {
    if (rangesDisabled && req.path.endsWith('/tep.pdf')) {
      delete req.headers.range;
      res.setHeader('Accept-Ranges', 'none');
    }
    next();
  });
  outer.use(env.app);
  // The page-1 pictures exist before anyone measures (in real use the first opening renders them).
  for (const b of [big, corpus]) if (b) expect(await env.ctx.services.pagePreviews.ensure(b.id, `${b.sha256}.pdf`)).toBe(true);
  server = await listen(outer as unknown as App);
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  if (skip) return;
  await browser?.close();
  await server?.close();
  await env?.cleanup();
});

/** Counts bytes received per URL pattern, as the (throttled) browser network stack saw them. */
async function meter(page: Page) {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const reqs = new Map<string, { kind: keyof typeof bytes; got: number }>();
  const bytes = { pdf: 0, doc: 0, css: 0, js: 0, img: 0, other: 0 };
  const kindOf = (url: string, type: string): keyof typeof bytes =>
    url.includes('/tep.pdf')
      ? 'pdf'
      : type === 'Document'
        ? 'doc'
        : type === 'Stylesheet'
          ? 'css'
          : type === 'Script' || /\.m?js(\?|$)/.test(url)
            ? 'js'
            : type === 'Image'
              ? 'img'
              : 'other';
  cdp.on('Network.requestWillBeSent', (e) => reqs.set(e.requestId, { kind: kindOf(e.request.url, e.type ?? ''), got: 0 }));
  cdp.on('Network.dataReceived', (e) => {
    const r = reqs.get(e.requestId);
    if (!r) return;
    r.got += e.encodedDataLength;
    bytes[r.kind] += e.encodedDataLength;
  });
  // The final count includes headers and bodies not reported chunk by chunk; cancelled requests keep what arrived.
  cdp.on('Network.loadingFinished', (e) => {
    const r = reqs.get(e.requestId);
    if (r && e.encodedDataLength > r.got) bytes[r.kind] += e.encodedDataLength - r.got;
    reqs.delete(e.requestId);
  });
  return { cdp, bytes };
}

async function newPhone(): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: server.baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    serviceWorkers: 'block',
  });
}

async function openReader(
  context: BrowserContext,
  throttle: boolean,
  book: FixtureBook,
): Promise<{ ms: number; previewMs: number | null; pdfBytes: number; jsBytes: number }> {
  const page = await context.newPage();
  const { cdp, bytes } = await meter(page);
  if (throttle) await cdp.send('Network.emulateNetworkConditions', SLOW);
  await page.goto(`/doc/${book.id}`, { waitUntil: 'commit' });
  // A selector wait, not waitForFunction (the page's CSP refuses eval); the time is read from the page itself.
  await page.locator('body[data-first-page]').waitFor({ state: 'attached', timeout: 180_000 });
  const pdfBytes = bytes.pdf;
  const ms = (await page.evaluate('window.__readerMetrics.firstPageAt')) as number;
  const previewMs = (await page.evaluate('window.__readerMetrics.previewAt ?? null')) as number | null;
  await page.close();
  return { ms, previewMs, pdfBytes, jsBytes: bytes.js };
}

describe.skipIf(skip)('budgets', () => {
  it('home and search pages weigh ≤ 30 KB (compressed HTML + CSS) with no render-blocking script', async () => {
    for (const url of ['/', '/tim-kiem?q=lich%20su', '/tim-kiem?q=khong%20tim%20thay%20gi']) {
      const context = await newPhone(); // a first visit: nothing cached
      const page = await context.newPage();
      const { bytes } = await meter(page);
      await page.goto(url, { waitUntil: 'load' });
      const blocking = (await page.evaluate(
        `Array.from(document.querySelectorAll('script[src]')).filter((s) => s.type !== 'module' && !s.defer && !s.async).length`,
      )) as number;
      const unsizedImages = (await page.evaluate(
        `Array.from(document.images).filter((i) => !i.getAttribute('width') || !i.getAttribute('height') || i.loading !== 'lazy').length`,
      )) as number;
      const total = bytes.doc + bytes.css;
      console.log(
        `[budget] ${url}: HTML ${(bytes.doc / 1024).toFixed(1)} KB + CSS ${(bytes.css / 1024).toFixed(1)} KB = ${(total / 1024).toFixed(1)} KB transferred (JS ${(bytes.js / 1024).toFixed(1)} KB, module, not blocking; images ${(bytes.img / 1024).toFixed(1)} KB)`,
      );
      expect(total).toBeLessThanOrEqual(30 * 1024);
      expect(blocking).toBe(0);
      expect(unsizedImages).toBe(0);
      await context.close();
    }
  });

  // Minutes over a throttled connection, close to its time-out when the suite runs beside it: a benchmark run by
  // `npm run bench:reader` (BENCH_READER), skipped with a printed reason in `npm test`.
  if (!process.env.BENCH_READER) console.warn('[reader first-page budget skipped] a benchmark: run it with npm run bench:reader');
  it.skipIf(!process.env.BENCH_READER)(
    'shows page 1 of a 300+ page book quickly over a slow connection, fetching a small part of the file',
    async () => {
      /** A phone whose browser already has the reader's code in its HTTP cache (any earlier visit). */
      const warmPhone = async () => {
        const ctx = await newPhone();
        const prime = await ctx.newPage();
        await prime.goto(`/doc/${small.id}`);
        await prime.locator('body[data-first-page]').waitFor({ state: 'attached', timeout: 60_000 });
        await prime.close();
        return ctx;
      };
      const measure = async (book: FixtureBook, mode: 'warm' | 'cold' | 'no-range') => {
        const ctx = mode === 'cold' ? await newPhone() : await warmPhone();
        rangesDisabled = mode === 'no-range';
        try {
          return await openReader(ctx, true, book);
        } finally {
          rangesDisabled = false;
          await ctx.close();
        }
      };
      const secs = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
      const report = (label: string, book: FixtureBook, r: { ms: number; previewMs: number | null; pdfBytes: number; jsBytes: number }) =>
        console.log(
          `[budget]   ${label.padEnd(34)}: page 1 picture ${secs(r.previewMs)}, pdf.js page ${secs(r.ms)}, PDF ${(r.pdfBytes / 1024).toFixed(0)} KB = ${((100 * r.pdfBytes) / book.sizeBytes).toFixed(1)} % of ${(book.sizeBytes / 1024).toFixed(0)} KB (JS over the wire ${(r.jsBytes / 1024).toFixed(0)} KB)`,
        );

      console.log('[budget] reader over 400 kbit/s with 400 ms RTT (Chromium network emulation):');
      const warm = await measure(big, 'warm');
      report('320-page book, Range, code cached', big, warm);
      const cold = await measure(big, 'cold');
      report('320-page book, Range, cold cache', big, cold);
      const noRange = await measure(big, 'no-range');
      report('320-page book, Range DISABLED', big, noRange);
      if (corpus) {
        report('freeculture.pdf, Range, cached', corpus, await measure(corpus, 'warm'));
        report('freeculture.pdf, Range DISABLED', corpus, await measure(corpus, 'no-range'));
      }
      console.log('[budget] target: first page visible < 6 s (the picture, or pdf.js when it is first), < 15 % of the file');
      // Times are figures to read, not assertions (a loaded CI machine must not fail the build);
      // what is asserted is structural: the picture appears before pdf.js, and the bytes fetched.
      expect(warm.previewMs).not.toBeNull();
      expect(cold.previewMs).not.toBeNull();
      expect(cold.previewMs!).toBeLessThan(cold.ms);
      expect(warm.pdfBytes / big.sizeBytes).toBeLessThan(0.15);
      expect(cold.pdfBytes / big.sizeBytes).toBeLessThan(0.15);
      expect(noRange.pdfBytes).toBeGreaterThan(warm.pdfBytes * 5);
    },
    600_000,
  );
});
