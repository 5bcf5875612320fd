import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadPdfjsModules,
  patchWorkerSource,
  pdfjsWorkerVariant,
  removeStaleCopies,
  WORKER_PATCHES,
} from '../../../src/pdf/load-pdfjs.mjs';
import { PDFJS_ASSETS } from '../../../src/pdf/pdfjs.ts';
import { corpusUnavailableReason, readCorpus } from '../../helpers/corpus.ts';
import { makePdf, VIETNAMESE_BOOK } from '../../helpers/make-pdf.ts';

/**
 * Our edit to pdf.js's worker (load-pdfjs.mjs) must change speed only: the text items pdf.js
 * returns — strings, widths, transforms — must be identical to the stock module's, and an
 * upgrade of pdfjs-dist that no longer fits the edit must fail here rather than go unnoticed.
 */

const require = createRequire(import.meta.url);
const stockSource = () => fs.readFile(require.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs'), 'utf8');

describe('the pdf.js worker patch', () => {
  it('fits the installed pdfjs-dist: every edit matches exactly once', async () => {
    const source = await stockSource();
    for (const patch of WORKER_PATCHES) {
      expect(source.split(patch.find).length - 1, patch.name).toBe(1);
    }
    const patched = patchWorkerSource(source);
    expect(patched.reason).toBeNull();
    expect(patched.source).not.toBe(source);
    for (const patch of WORKER_PATCHES) expect(patched.source).toContain(patch.replace);
  });

  it('makes no edit at all when one does not fit', () => {
    const [first] = WORKER_PATCHES;
    expect(patchWorkerSource('const unrelated = 1;')).toEqual({ source: null, reason: `${first.name}: not found` });
    expect(patchWorkerSource(`${first.find}\n${first.find}`)).toEqual({ source: null, reason: `${first.name}: found more than once` });
  });

  it('is what pdf.js loads in this thread', async () => {
    await loadPdfjsModules();
    expect(pdfjsWorkerVariant()).toBe('patched');
  });

  it('removes copies left behind by threads killed while loading, once they are over an hour old', async () => {
    const stale = await fs.mkdtemp(path.join(os.tmpdir(), 'thu-vien-so-pdfjs-'));
    const fresh = await fs.mkdtemp(path.join(os.tmpdir(), 'thu-vien-so-pdfjs-'));
    try {
      await fs.writeFile(path.join(stale, 'pdf.worker.patched.mjs'), '// left behind');
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      await fs.utimes(stale, twoHoursAgo, twoHoursAgo);
      await removeStaleCopies();
      await expect(fs.stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await fs.stat(fresh)).isDirectory()).toBe(true); // another thread may be loading from it
    } finally {
      await fs.rm(stale, { recursive: true, force: true });
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });
});

describe('text items: patched worker against the stock one', () => {
  let dir: string;
  const generated: string[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-pdfjs-patch-'));
    const write = async (name: string, data: Buffer) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, data);
      generated.push(file);
    };
    await write('vietnamese-book.pdf', await makePdf(VIETNAMESE_BOOK));
    await write('transformed-text.pdf', await transformedTextPdf());
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('gives the same items on generated PDFs (Vietnamese text, rotation, scaling, spacing)', { timeout: 60_000 }, async () => {
    const [stock, patched] = await Promise.all([textItems(false, generated), textItems(true, generated)]);
    expect(stock.variant).toBe('stock');
    expect(patched.variant).toBe('patched');
    for (const file of generated) {
      // Pages with text (the book also has picture and blank pages), and no page pdf.js failed on.
      expect(stock.digests[file].filter((d) => /^[1-9]\d*:/.test(d)).length, file).toBeGreaterThanOrEqual(2);
      expect(
        stock.digests[file].filter((d) => d.includes('error')),
        file,
      ).toEqual([]);
      expect(patched.digests[file], path.basename(file)).toEqual(stock.digests[file]);
    }
  });

  const unavailable = corpusUnavailableReason();
  if (unavailable) console.warn(`[pdf.js patch corpus comparison skipped] ${unavailable}`);
  it.skipIf(unavailable !== null)('gives the same items on every corpus file', { timeout: 600_000 }, async () => {
    const files = readCorpus().map((e) => e.path);
    const [stock, patched] = await Promise.all([textItems(false, files), textItems(true, files)]);
    for (const file of files) expect(patched.digests[file], path.basename(file)).toEqual(stock.digests[file]);
  });
});

function textItems(patched: boolean, files: string[]): Promise<{ variant: string; digests: Record<string, string[]> }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../../helpers/pdfjs-text-items.mjs', import.meta.url), {
      workerData: { patched, files, assets: { ...PDFJS_ASSETS, cMapPacked: true } },
    });
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`text-items worker exited with code ${code}`)));
  });
}

/** Text under rotation, skew, scaling, character/word spacing and horizontal scaling: every input of the text matrix. */
function transformedTextPdf(): Promise<Buffer> {
  const fontPath = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
  const doc = new PDFDocument({ size: 'A5', margin: 30 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.registerFont('body', fontPath);
  doc.font('body').fontSize(11).text('Dòng thẳng: Tôi sống độc lập từ thuở bé.');
  doc
    .save()
    .rotate(30, { origin: [150, 200] })
    .text('Chữ nghiêng 30 độ: Lão Hạc của Nam Cao', 60, 200)
    .restore();
  doc
    .save()
    .rotate(90, { origin: [200, 300] })
    .text('Chữ dọc 90 độ: Đại Việt sử ký', 200, 300)
    .restore();
  doc
    .save()
    .rotate(180, { origin: [200, 420] })
    .text('Lộn ngược: Tư tưởng Hồ Chí Minh', 120, 420)
    .restore();
  doc.save().transform(1, 0, 0.4, 1, 0, 0).text('Chữ xiên (skew): Dế Mèn phiêu lưu ký', 30, 470).restore();
  doc.save().scale(1.6, 0.7).text('Co giãn: Thư viện số', 20, 730).restore();
  doc.text('Giãn ký tự và từ: Không có gì quý hơn độc lập, tự do.', 30, 520, { characterSpacing: 1.5, wordSpacing: 6 });
  // horizontalScaling (the Tz operator) is missing from @types/pdfkit.
  doc.text('Co ngang 70 %: Truyện cổ tích Việt Nam', 30, 560, { horizontalScaling: 70 } as PDFKit.Mixins.TextOptions);
  doc.fontSize(4).text('Chữ rất nhỏ ở cuối trang, ghi chú nguồn.', 30, 590);
  doc.end();
  return done;
}
