import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { PdfWorkerPool } from '../../src/pdf/worker-pool.ts';
import { makePdf } from './make-pdf.ts';

/**
 * Image-only ("scanned") PDFs with known text, for OCR tests and the OCR benchmark: each page's
 * lines are typeset in DejaVu Sans (every Vietnamese glyph), rendered by pdf.js at `dpi`, and the
 * picture alone is wrapped into a new PDF — no text layer, like a scan, but with ground truth.
 */
export async function imageOnlyPdf(pages: string[][], dpi: number): Promise<Buffer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'image-pdf-'));
  const pool = new PdfWorkerPool({ size: 1 });
  try {
    const source = path.join(dir, 'text.pdf');
    await fs.writeFile(source, await makePdf({ pages: pages.map((text) => ({ text })) }));
    const images = [];
    for (let n = 1; n <= pages.length; n++) images.push(await pool.renderOcrImage(source, n, { dpi }));
    return await wrapImages(
      images.map((i) => ({ png: Buffer.from(i.png), width: i.width, height: i.height })),
      dpi,
    );
  } finally {
    await pool.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** One page per picture, the picture filling the page at `dpi`. */
export function wrapImages(images: Array<{ png: Buffer; width: number; height: number }>, dpi: number): Promise<Buffer> {
  const doc = new PDFDocument({ autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const img of images) {
    const w = (img.width * 72) / dpi;
    const h = (img.height * 72) / dpi;
    doc.addPage({ size: [w, h], margin: 0 });
    doc.image(img.png, 0, 0, { width: w, height: h });
  }
  doc.end();
  return done;
}
