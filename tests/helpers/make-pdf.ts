import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import PDFDocument from 'pdfkit';

/**
 * Builds test PDFs in memory, so tests never need real (copyrighted) books in the repository.
 * pdfkit embeds a subset of DejaVu Sans (it has every Vietnamese glyph) with a ToUnicode CMap,
 * so pdf.js extracts exactly the Unicode we wrote. Everything comes from the npm registry:
 * pdfkit and dejavu-fonts-ttf are devDependencies.
 */

const require = createRequire(import.meta.url);
const FONT = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');

export type PageSpec =
  | { text: string[] }
  /** Vector drawing only (filled rectangles): no text, but not blank. */
  | { drawing: true }
  /** A raster image only, like a scanned page. */
  | { raster: true }
  | { blank: true };

export interface OutlineSpec {
  title: string;
  /** 1-based target page. */
  page: number;
  /**
   * How the entry points at its page: an explicit [page /XYZ …] array (default), a named
   * destination (looked up in the catalog's /Dests name tree, as LaTeX/hyperref does), or a
   * name that does not exist (a broken entry, which must not fail the book).
   */
  dest?: 'explicit' | 'named' | 'missing';
  children?: OutlineSpec[];
}

export interface MakePdfOptions {
  pages: PageSpec[];
  outline?: OutlineSpec[];
  info?: { title?: string; author?: string; subject?: string; keywords?: string };
  /** Catalog /Lang. */
  lang?: string;
  /** Written into XMP as dc:language only (for the XMP fallback). */
  xmpLanguage?: string;
  /** Encrypts the file. Without userPassword (owner password only) it opens with no password. */
  userPassword?: string;
  ownerPassword?: string;
}

export function makePdf(options: MakePdfOptions): Promise<Buffer> {
  const encrypted = options.userPassword !== undefined || options.ownerPassword !== undefined;
  const doc = new PDFDocument({
    autoFirstPage: false,
    size: 'A5',
    margin: 40,
    lang: options.lang,
    // PDF 1.7 extension level 3 = AES-256, what current tools produce.
    pdfVersion: encrypted ? '1.7ext3' : '1.7',
    userPassword: options.userPassword,
    ownerPassword: options.ownerPassword ?? (options.userPassword ? `${options.userPassword}-owner` : undefined),
    // pdfkit chokes on undefined entries, so only set what was given.
    info: Object.fromEntries(
      Object.entries({
        Title: options.info?.title,
        Author: options.info?.author,
        Subject: options.info?.subject,
        Keywords: options.info?.keywords,
      }).filter(([, v]) => v !== undefined),
    ),
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.registerFont('body', FONT);
  for (const [index, page] of options.pages.entries()) {
    doc.addPage();
    doc.addNamedDestination(`page.${index + 1}`);
    if ('text' in page) {
      doc.font('body').fontSize(12);
      for (const line of page.text) doc.text(line);
    } else if ('drawing' in page) {
      doc.rect(60, 80, 200, 300).fill('#b03030');
      doc.rect(100, 140, 120, 60).fill('#f0c020');
    } else if ('raster' in page) {
      doc.image(gradientPng(120, 160), 60, 60, { width: 300 });
    }
  }
  // pdfkit's addItem takes a 0-based pageNumber (missing from @types/pdfkit); without it the
  // entry points at the current, i.e. last, page.
  type AddItem = (title: string, options: { pageNumber: number }) => PDFKit.PDFOutline;
  const addOutline = (parent: PDFKit.PDFOutline, items: OutlineSpec[]) => {
    for (const item of items) {
      const node = (parent.addItem as AddItem).call(parent, item.title, { pageNumber: item.page - 1 });
      if (item.dest === 'named' || item.dest === 'missing') {
        // pdfkit has no API for this; its outline node keeps the dictionary in `outlineData`, and
        // String objects are written as PDF strings, i.e. named destinations.
        const name = item.dest === 'named' ? `page.${item.page}` : 'no.such.destination';
        (node as unknown as { outlineData: Record<string, unknown> }).outlineData.Dest = new String(name);
      }
      if (item.children) addOutline(node, item.children);
    }
  };
  if (options.outline) addOutline(doc.outline, options.outline);
  if (options.xmpLanguage) {
    doc.appendXML(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <dc:language><rdf:Bag><rdf:li>${options.xmpLanguage}</rdf:li></rdf:Bag></dc:language></rdf:Description>`);
  }
  doc.end();
  return done;
}

/** A Vietnamese "book": text pages, an image-only page, nested outline and full metadata. */
export const VIETNAMESE_BOOK: MakePdfOptions = {
  lang: 'vi',
  info: {
    title: 'Tuyển tập văn học Việt Nam',
    author: 'Nguyễn Văn Đức',
    subject: 'Văn học thiếu nhi và lịch sử',
    keywords: 'văn học, lịch sử, Đoàn Thanh niên',
  },
  pages: [
    { text: ['Dế Mèn phiêu lưu ký', 'Tô Hoài', 'Tôi sống độc lập từ thuở bé.'] },
    { text: ['Đại Việt sử ký toàn thư', 'Ngô Sĩ Liên biên soạn năm 1479.'] },
    { drawing: true },
    { text: ['Lão Hạc', 'Nam Cao', 'Chao ôi! Đối với những người ở quanh ta…'] },
    { raster: true },
    { text: ['Tư tưởng Hồ Chí Minh', 'Không có gì quý hơn độc lập, tự do.'] },
    { blank: true },
  ],
  outline: [
    {
      title: 'Phần I: Văn học',
      page: 1,
      children: [
        { title: 'Dế Mèn phiêu lưu ký', page: 1 },
        { title: 'Lão Hạc', page: 4, children: [{ title: 'Hình minh hoạ', page: 5 }] },
      ],
    },
    { title: 'Phần II: Lịch sử', page: 2, children: [{ title: 'Đại Việt sử ký toàn thư', page: 2 }] },
    { title: 'Phần III: Tư tưởng Hồ Chí Minh', page: 6 },
  ],
};

/** Writes `data` to dir/name and returns the path. */
export async function writeFixture(dir: string, name: string, data: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, data);
  return file;
}

/** Not a PDF, whatever its file name says: a PNG. */
export function notPdfBytes(): Buffer {
  return gradientPng(4, 4);
}

/** The first `fraction` of a real PDF: header present, xref and most objects gone. */
export function truncated(pdf: Buffer, fraction = 0.3): Buffer {
  return pdf.subarray(0, Math.floor(pdf.length * fraction));
}

/** A PDF header followed by nothing a reader could use. */
export function garbagePdfBytes(): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1'), Buffer.alloc(2048, 0x41)]);
}

/** A small RGB PNG (diagonal gradient), encoded by hand so tests need no image library. */
export function gradientPng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((255 * x) / width);
      raw[row + 2 + x * 3] = Math.round((255 * y) / height);
      raw[row + 3 + x * 3] = 128;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}
