import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBook, pagesWith, type FixtureBook } from '../helpers/books.ts';
import { browserApp, browserUnavailable, phoneContext } from '../helpers/browser.ts';
import { gateAllowing } from '../helpers/publish-gates.ts';
import { createTestEnv } from '../helpers/test-context.ts';

/**
 * The pdf.js reader marks whole syllables with the same rule as snippets and text mode
 * (static/js/syllable-match.js), and a new in-book search replaces the previous marks.
 */
const skip = browserUnavailable();
if (skip) console.log(`[e2e] reader highlighting skipped: ${skip}`);

describe.skipIf(skip)('highlighting in the pdf.js reader', () => {
  // The publish gate belongs to consent; here every book may be read.
  const t = browserApp(() => createTestEnv({ publishGate: gateAllowing() }));
  let book: FixtureBook;
  beforeAll(async () => {
    book = await createBook(t.env.ctx, {
      title: 'Trạng Quỳnh',
      authors: ['Khuyết danh'],
      pages: pagesWith(6, {
        2: 'Bạn Danh đi thẳng tới nhà để ăn trộm mèo.',
        5: 'Chiến tranh thế giới thứ hai bùng nổ năm 1939.',
      }),
    });
  }, 120_000);

  const marks = (page: Page, n: number) =>
    page.$$eval(`.page[data-page-number="${n}"] .textLayer .hl`, (els) => els.map((e) => e.textContent ?? ''));

  it('marks "ăn" for the query "an", never the "an" inside Bạn, thẳng or Danh; a new search replaces the marks', async () => {
    const phone = await phoneContext(t.browser, { baseURL: t.server.baseURL, goodConnection: true }); // the pdf.js reader
    const page = await phone.newPage();
    await page.goto(`/doc/${book.id}?q=an+trom+meo#page=2`);
    await page.waitForSelector('.page[data-page-number="2"] .textLayer .hl', { timeout: 30_000 });
    expect((await marks(page, 2)).join(' ')).toBe('ăn trộm mèo');

    await page.click('#btn-search');
    await page.fill('#bq', 'chien tranh');
    await page.press('#bq', 'Enter');
    await page.waitForSelector('#search-hits li a');
    // The old marks are gone at once, before the reader even moves.
    await expect.poll(() => marks(page, 2), { timeout: 30_000 }).toEqual([]);
    await page.click('#search-hits li a');
    await page.waitForSelector('.page[data-page-number="5"] .textLayer .hl', { timeout: 30_000 });
    expect((await marks(page, 5)).join(' ')).toBe('Chiến tranh');
    await phone.close();
  });
});
