import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeKeptDocument, renderPage } from '../../../src/pdf/render-page.ts';
import { webpSize } from '../../helpers/image-size.ts';
import PDFDocument from 'pdfkit';
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

  it('keeps a coloured heading in colour on a text page when the palette picture is the smaller one', async () => {
    const file = await writeFixture(dir, 'heading.pdf', await headingPage());
    const page = await renderPage(file, 1, { width: 720 });
    const lossy = await renderPage(file, 1, { width: 720, textPalette: false });
    expect(page.palette).toBe(true);
    expect(page.webp!.byteLength).toBeLessThan(lossy.webp!.byteLength);
    const { createCanvas, loadImage } = await import('@napi-rs/canvas');
    const img = await loadImage(Buffer.from(page.webp!));
    const canvas = createCanvas(img.width, img.height);
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const d = context.getImageData(0, 0, img.width, img.height).data;
    let blue = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 2] - d[i] > 80) blue++;
    expect(blue).toBeGreaterThan(100); // the heading is still blue
  });
});

/** An A5 page of black prose under a blue heading (as in 100 mẩu chuyện cổ Đông Tây). */
function headingPage(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A5', margin: 40 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.fillColor('#2040c0').fontSize(16).text('50. HIEU VOI ME', { align: 'center' });
  doc.moveDown().fillColor('#000000').fontSize(11);
  for (let i = 0; i < 14; i++) doc.text(`Dong ${i + 1}: ban doc thu vien so muon sach, doc trang nay va trang sau nua.`);
  doc.end();
  return done;
}
