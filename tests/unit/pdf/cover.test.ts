import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCover } from '../../../src/pdf/render-cover.ts';
import { jpegSize, webpSize } from '../../helpers/image-size.ts';
import { makePdf, VIETNAMESE_BOOK, writeFixture } from '../../helpers/make-pdf.ts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-cover-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('renderCover', () => {
  it('renders the first page as JPEG and WebP in two widths', async () => {
    const file = await writeFixture(dir, 'book.pdf', await makePdf(VIETNAMESE_BOOK));
    const cover = await renderCover(file);
    expect(cover?.pageNumber).toBe(1);
    expect(cover?.variants.map((v) => [v.width, v.height])).toEqual([
      [200, 284],
      [400, 568],
    ]); // pdfkit's A5: 419.53 × 595.28 pt
    for (const v of cover!.variants) {
      expect(Buffer.isBuffer(v.jpeg)).toBe(true);
      expect(jpegSize(v.jpeg)).toEqual({ width: v.width, height: v.height });
      expect(webpSize(v.webp)).toEqual({ width: v.width, height: v.height });
    }
  });

  it('skips blank leading pages: a drawing or a raster image counts as content', async () => {
    const drawn = await writeFixture(dir, 'drawn.pdf', await makePdf({ pages: [{ blank: true }, { blank: true }, { drawing: true }] }));
    expect((await renderCover(drawn, { widths: [120] }))?.pageNumber).toBe(3);
    const scanned = await writeFixture(dir, 'scan.pdf', await makePdf({ pages: [{ blank: true }, { raster: true }] }));
    const cover = await renderCover(scanned, { widths: [150] });
    expect(cover?.pageNumber).toBe(2);
    expect(jpegSize(cover!.variants[0].jpeg).width).toBe(150);
  });

  it('returns null when every page it looks at is blank', async () => {
    const blank = await writeFixture(dir, 'blank.pdf', await makePdf({ pages: [{ blank: true }, { blank: true }, { text: ['Muộn'] }] }));
    expect(await renderCover(blank, { maxPagesToTry: 2 })).toBeNull();
    expect((await renderCover(blank))?.pageNumber).toBe(3);
  });

  it('rejects nonsense widths', async () => {
    const file = await writeFixture(dir, 'w.pdf', await makePdf({ pages: [{ text: ['x'] }] }));
    await expect(renderCover(file, { widths: [0] })).rejects.toThrow(RangeError);
  });
});
