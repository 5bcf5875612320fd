import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeKeptDocument, renderPage } from '../../../src/pdf/render-page.ts';
import { webpSize } from '../../helpers/image-size.ts';
import { makePdf, writeFixture } from '../../helpers/make-pdf.ts';

/** renderPage (src/pdf/render-page.ts): the page-picture reader's renderer, reusable for OCR (format 'rgba'). */
let dir: string;
let book: string;
let other: string;
let mixed: string;
const prose = Array.from({ length: 15 }, (_, i) => `Dòng ${i + 1}: bạn đọc thư viện số mượn sách, đọc trang này và trang sau nữa.`);
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-page-'));
  book = await writeFixture(
    dir,
    'book.pdf',
    await makePdf({ pages: [{ text: ['Trang một.'] }, { text: ['Bạn đọc và An đi học.'] }, { text: ['Ba.'] }] }),
  );
  other = await writeFixture(dir, 'other.pdf', await makePdf({ pages: [{ text: ['Một trang.'] }] }));
  mixed = await writeFixture(dir, 'mixed.pdf', await makePdf({ pages: [{ text: prose }, { raster: true }, { text: ['Ba.'] }] }));
});
afterAll(async () => {
  await closeKeptDocument();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('renderPage', () => {
  it('renders one page as WebP at a width, with the words of its text layer in page fractions', async () => {
    const page = await renderPage(book, 2, { width: 480, words: true });
    expect(page).toMatchObject({ pageNumber: 2, numPages: 3, width: 480 });
    expect(webpSize(Buffer.from(page.webp!))).toEqual({ width: 480, height: page.height });
    expect(page.words!.map((w) => w.t)).toEqual(['Bạn', 'đọc', 'và', 'An', 'đi', 'học.']);
    for (const w of page.words!) {
      for (const v of [w.x, w.y, w.w, w.h]) expect(v).toBeGreaterThanOrEqual(0);
      expect(w.x + w.w).toBeLessThanOrEqual(1);
    }
    // Words on one line, left to right.
    const xs = page.words!.map((w) => w.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it('gives raw RGBA pixels at a scale (for image processing such as OCR)', async () => {
    const page = await renderPage(book, 1, { scale: 0.5, format: 'rgba' });
    expect(page.webp).toBeUndefined();
    expect(page.rgba!.length).toBe(page.width * page.height * 4);
    expect(page.rgba!.some((v) => v < 128)).toBe(true); // some ink
  });

  it('switches documents safely (pdf.js keeps one open document per thread) and refuses pages that do not exist', async () => {
    expect((await renderPage(other, 1, { width: 100 })).numPages).toBe(1);
    expect((await renderPage(book, 3, { width: 100 })).numPages).toBe(3);
    expect((await renderPage(other, 1, { width: 100 })).numPages).toBe(1);
    await expect(renderPage(book, 4, { width: 100 })).rejects.toBeInstanceOf(RangeError);
    await expect(renderPage(book, 0, { width: 100 })).rejects.toBeInstanceOf(RangeError);
  });

  it('sends a page of black print as four grey levels, losslessly, and keeps lossy WebP for pictures and near-empty pages', async () => {
    const text = await renderPage(mixed, 1, { width: 720 });
    expect(text.numPages).toBe(3); // the prose fits on its page
    expect(text.palette).toBe(true);
    const lossy = await renderPage(mixed, 1, { width: 720, textPalette: false });
    expect(lossy.palette).toBeUndefined();
    expect(text.webp!.byteLength).toBeLessThan(lossy.webp!.byteLength);
    expect((await renderPage(mixed, 2, { width: 720 })).palette).toBeUndefined(); // a raster image (a scan, a photograph)
    expect((await renderPage(mixed, 3, { width: 720 })).palette).toBeUndefined(); // one short line
  });

  it('gives only the size and words when asked for the layout (no picture drawn)', async () => {
    const page = await renderPage(book, 2, { width: 480, words: true, layoutOnly: true });
    expect(page.webp).toBeUndefined();
    expect(page).toMatchObject({ pageNumber: 2, width: 480 });
    expect(page.words!.map((w) => w.t)).toContain('An');
  });
});
