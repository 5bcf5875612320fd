import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdfWorkerPool } from '../../../src/pdf/worker-pool.ts';
import { imageOnlyPdf } from '../../helpers/image-pdf.ts';
import { makePdf } from '../../helpers/make-pdf.ts';

/** The 'ocr-image' job kind of the PDF worker (issue 15): one page as a PNG for tesseract. */
let dir: string;
const pool = new PdfWorkerPool({ size: 1 });
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ocr-image-'));
});
afterAll(async () => {
  await pool.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const write = async (name: string, data: Buffer) => {
  const file = path.join(dir, name);
  await fs.writeFile(file, data);
  return file;
};
const isPng = (b: Uint8Array) => Buffer.from(b.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

describe('renderOcrImage', () => {
  it('renders a text page at the requested resolution (A5 at 300 dpi ≈ 1748 × 2480)', async () => {
    const file = await write('text.pdf', await makePdf({ pages: [{ text: ['Một dòng chữ'] }, { blank: true }] }));
    const img = await pool.renderOcrImage(file, 1, { dpi: 300 });
    expect(img).toMatchObject({ pageNumber: 1, blank: false, dpi: 300 });
    expect(Math.abs(img.width - 1748)).toBeLessThanOrEqual(2);
    expect(Math.abs(img.height - 2480)).toBeLessThanOrEqual(2);
    expect(isPng(img.png)).toBe(true);
    const blank = await pool.renderOcrImage(file, 2, { dpi: 300 });
    expect(blank.blank).toBe(true);
    expect(blank.png.length).toBe(0);
  });

  it('renders a scanned page at the scan’s own resolution when it is lower (no upscaling a 150-dpi scan)', async () => {
    const file = await write('scan.pdf', await imageOnlyPdf([['Trang quét ở 150 dpi']], 150));
    expect((await pool.renderOcrImage(file, 1, { dpi: 300 })).dpi).toBe(150);
    expect((await pool.renderOcrImage(file, 1, { dpi: 120 })).dpi).toBe(120); // never above the setting
  });

  it('refuses pages outside the book', async () => {
    const file = await write('one.pdf', await makePdf({ pages: [{ text: ['x'] }] }));
    await expect(pool.renderOcrImage(file, 2, { dpi: 150 })).rejects.toThrow(/outside/);
  });
});
