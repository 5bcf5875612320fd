import { checkPdfHeader, toRejection } from './inspect-pdf.ts';
import { PdfRejectedError } from './errors.ts';
import { openPdf, withPage, type PDFDocumentProxy, type PDFPageProxy } from './pdfjs.ts';
import { canvasFactoryOf } from './render-cover.ts';

/**
 * One page of a PDF as a picture (and, on request, the boxes of its words), for the page-picture
 * reader and anyone else who needs a page as pixels (OCR renders through the same function).
 * Runs inside a PDF worker thread (worker-pool.ts), never on the web server's event loop.
 */

export interface PageRenderOptions {
  /** Output width in pixels (the height follows the page's proportions). Wins over `scale`. */
  width?: number;
  /** Pixels per PDF point (1 = 72 dpi) when no width is given. */
  scale?: number;
  /** 'webp' (default) for the reader; 'rgba' for image processing (OCR). */
  format?: 'webp' | 'rgba';
  /** WebP quality 1..100 (default 62: small pictures for slow connections, text still crisp). */
  webpQuality?: number;
  /** Also return the words of the text layer with their boxes (for search highlights). */
  words?: boolean;
  /** Only the page's size and (with `words`) its words: no picture is drawn (the highlight boxes' own request). */
  layoutOnly?: boolean;
  /** Work nobody waits for (pictures rendered ahead on publish): the pool runs it only when idle. */
  background?: boolean;
  /** Black-and-white text pages as four grey levels, losslessly (default true; see textPalette()). */
  textPalette?: boolean;
}

/** A word of the text layer; x, y, w, h are fractions of the page's width and height (0..1). */
export interface WordBox {
  t: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface RenderedPage {
  pageNumber: number;
  numPages: number;
  width: number;
  height: number;
  /** Set when format is 'webp'. */
  webp?: Uint8Array;
  /** Set when format is 'rgba': width × height × 4 bytes. */
  rgba?: Uint8ClampedArray;
  words?: WordBox[];
  /** True when the WebP is the four-grey-level lossless kind (a text page). */
  palette?: boolean;
}

const MAX_PIXELS = 24_000_000;
const DEFAULT_QUALITY = 62;

/**
 * Renders `pageNumber` (1-based) of the PDF at `filePath`. Throws RangeError for a page that does
 * not exist and PdfRejectedError for files pdf.js cannot open.
 */
export async function renderPage(filePath: string, pageNumber: number, options: PageRenderOptions = {}): Promise<RenderedPage> {
  const doc = await openDocuments.acquire(filePath);
  try {
    return await renderPageOf(doc, pageNumber, options);
  } finally {
    openDocuments.release(filePath);
  }
}

export async function renderPageOf(doc: PDFDocumentProxy, pageNumber: number, options: PageRenderOptions = {}): Promise<RenderedPage> {
  if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > doc.numPages) {
    throw new RangeError(`page ${pageNumber} is not in 1..${doc.numPages}`);
  }
  return withPage(doc, pageNumber, async (page) => {
    const base = page.getViewport({ scale: 1 });
    const scale = options.width ? options.width / base.width : (options.scale ?? 1);
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError('width or scale must be positive');
    const viewport = page.getViewport({ scale });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    if (width * height > MAX_PIXELS) throw new RangeError(`page too large to render: ${width}×${height}`);
    if (options.layoutOnly) {
      const out: RenderedPage = { pageNumber, numPages: doc.numPages, width, height };
      if (options.words) out.words = await pageWords(page);
      return out;
    }
    const factory = canvasFactoryOf(doc);
    const entry = factory.create(width, height);
    try {
      entry.context.fillStyle = '#ffffff';
      entry.context.fillRect(0, 0, width, height);
      await page.render({ canvas: null, canvasContext: entry.context as never, viewport, background: '#ffffff' }).promise;
      const out: RenderedPage = { pageNumber, numPages: doc.numPages, width, height };
      if (options.format === 'rgba') out.rgba = entry.context.getImageData(0, 0, width, height).data;
      else Object.assign(out, await encodeWebp(entry, width, height, options));
      if (options.words) out.words = await pageWords(page);
      return out;
    } finally {
      factory.destroy(entry);
    }
  });
}

/**
 * Text pages (black print on white paper) are sent as four grey levels, losslessly: lossy WebP
 * spends most of its bytes on the soft edges of letters, which four levels keep readable at phone
 * width. Measured on corpus pages at 720 px: 35.7 KB instead of 80.6 KB (free-culture p. 212),
 * 36.9 instead of 78.3 (100 mẩu chuyện p. 102). Pages with colour or with many mid-grey pixels
 * (photographs, shaded drawings, scans) keep lossy WebP, which suits them, and so do nearly
 * empty pages (under 2 % mid-grey: lossy WebP of a few lines is smaller still).
 */
const MIN_MID_TONES = 0.02;
const MAX_MID_TONES = 0.1;
/** Up to this share of coloured pixels, they are made grey (stray tints, coloured edges of letters). */
const GREY_COLOURED = 0.002;
/** Up to this share (a coloured heading or logo), colour is kept, in a few levels per channel. */
const MAX_COLOURED = 0.03;
/** @napi-rs/canvas encodes WebP losslessly at quality 100. */
const LOSSLESS = 100;

type Entry = ReturnType<ReturnType<typeof canvasFactoryOf>['create']>;

async function encodeWebp(
  entry: Entry,
  width: number,
  height: number,
  options: PageRenderOptions,
): Promise<{ webp: Uint8Array; palette?: true }> {
  const lossy = () => entry.canvas.encode('webp', options.webpQuality ?? DEFAULT_QUALITY);
  if (options.textPalette === false) return { webp: await lossy() };
  const pixels = entry.context.getImageData(0, 0, width, height);
  const kind = textPage(pixels.data);
  if (!kind) return { webp: await lossy() };
  // With colour kept, the palette grows past the few entries that make it small: keep whichever is smaller.
  const reference = kind.keepColour ? await lossy() : null;
  quantize(pixels.data, kind.keepColour);
  entry.context.putImageData(pixels, 0, 0);
  const webp = await entry.canvas.encode('webp', LOSSLESS);
  return reference && reference.byteLength <= webp.byteLength ? { webp: reference } : { webp, palette: true };
}

/** Whether a page is print on paper (and whether it has colour worth keeping), or null for pictures. */
function textPage(d: Uint8ClampedArray): { keepColour: boolean } | null {
  const n = d.length / 4;
  let coloured = 0;
  let mid = 0;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i];
    const g = d[i + 1];
    const b = d[i + 2];
    if (Math.abs(r - g) > 24 || Math.abs(g - b) > 24) {
      if (++coloured > n * MAX_COLOURED) return null;
      continue;
    }
    const y = (r * 77 + g * 150 + b * 29) >> 8;
    if (y > 48 && y < 208) mid++;
  }
  if (mid < n * MIN_MID_TONES || mid > n * MAX_MID_TONES) return null;
  return { keepColour: coloured > n * GREY_COLOURED };
}

/**
 * Grey pixels to four grey levels (0, 85, 170, 255): a palette WebP then stores each pixel in two
 * bits. Coloured ones, when `keepColour`, to four levels per channel; otherwise to grey too.
 */
function quantize(d: Uint8ClampedArray, keepColour: boolean): void {
  const q = (v: number) => Math.round(v / 85) * 85;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i];
    const g = d[i + 1];
    const b = d[i + 2];
    if (keepColour && (Math.abs(r - g) > 24 || Math.abs(g - b) > 24)) {
      d[i] = q(r);
      d[i + 1] = q(g);
      d[i + 2] = q(b);
    } else d[i] = d[i + 1] = d[i + 2] = q((r * 77 + g * 150 + b * 29) >> 8);
    d[i + 3] = 255;
  }
}

type Matrix = [number, number, number, number, number, number];
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1],
  m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3],
  m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4],
  m[1] * n[4] + m[3] * n[5] + m[5],
];
const round = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000;

/**
 * Words with boxes, from pdf.js's text items. An item is a run of glyphs on one line; pdf.js gives
 * its start, advance width and font size, not each glyph's, so a word's box is the run's box split
 * by character count — close enough to draw a highlight over a word, which is what it is for.
 */
export async function pageWords(page: PDFPageProxy): Promise<WordBox[]> {
  const viewport = page.getViewport({ scale: 1 });
  const vt = viewport.transform as Matrix;
  const content = await page.getTextContent();
  const words: WordBox[] = [];
  for (const item of content.items) {
    if (!('str' in item) || !item.str.trim()) continue;
    const tx = multiply(vt, item.transform as Matrix);
    const fontHeight = Math.hypot(tx[2], tx[3]);
    const runWidth = item.width * viewport.scale;
    if (!(fontHeight > 0) || !(runWidth > 0)) continue;
    // Baseline at tx[5]; most Vietnamese glyphs (with stacked diacritics) reach ~0.95 em above it.
    const top = tx[5] - fontHeight * 0.95;
    const per = runWidth / [...item.str].length;
    for (const m of item.str.matchAll(/\S+/gu)) {
      const before = [...item.str.slice(0, m.index)].length;
      const len = [...m[0]].length;
      words.push({
        t: m[0].normalize('NFC'),
        x: round((tx[4] + per * before) / viewport.width),
        y: round(top / viewport.height),
        w: round((per * len) / viewport.width),
        h: round((fontHeight * 1.2) / viewport.height),
      });
    }
  }
  return words;
}

/**
 * The last opened document, kept for a short while: a reader turning pages (and the prefetch of
 * the next ones) asks for pages of the same book in a row, and opening a 10 MB PDF costs more
 * than rendering one page of it. Only ONE per thread: pdf.js 5.4 keeps the page count of "the"
 * open document in a static (PagesMapper), so a second open document breaks getPage() of the
 * first. A worker thread runs one job at a time, so the kept document is never in use when
 * another one is asked for; it is destroyed (and awaited) before the next one opens.
 */
const IDLE_MS = 20_000;

interface OpenDoc {
  path: string;
  doc: Promise<PDFDocumentProxy>;
  users: number;
  timer?: NodeJS.Timeout;
}

const openDocuments = {
  current: null as OpenDoc | null,

  async acquire(filePath: string): Promise<PDFDocumentProxy> {
    const kept = this.current;
    if (kept && kept.path === filePath) {
      clearTimeout(kept.timer);
      kept.users++;
      return kept.doc;
    }
    if (kept) await this.close(kept);
    const entry: OpenDoc = { path: filePath, doc: openChecked(filePath), users: 1 };
    this.current = entry;
    try {
      return await entry.doc;
    } catch (err) {
      if (this.current === entry) this.current = null;
      throw err;
    }
  },

  release(filePath: string): void {
    const entry = this.current;
    if (!entry || entry.path !== filePath) return;
    entry.users--;
    if (entry.users === 0) {
      entry.timer = setTimeout(() => void this.close(entry), IDLE_MS);
      entry.timer.unref();
    }
  },

  async close(entry: OpenDoc): Promise<void> {
    if (entry.users > 0) throw new Error('a PDF document is still in use in this thread');
    clearTimeout(entry.timer);
    if (this.current === entry) this.current = null;
    await entry.doc.then((d) => d.destroy()).catch(() => undefined);
  },
};

/**
 * Closes the document kept by renderPage(), if any. Any other code that opens a PDF in a thread
 * where renderPage() ran must call this first (see the PagesMapper note above); extract-worker.ts
 * does so before every job of another kind.
 */
export async function closeKeptDocument(): Promise<void> {
  const kept = openDocuments.current;
  if (kept && kept.users === 0) await openDocuments.close(kept);
}

async function openChecked(filePath: string): Promise<PDFDocumentProxy> {
  await checkPdfHeader(filePath);
  let doc: PDFDocumentProxy;
  try {
    doc = await openPdf(filePath);
  } catch (err) {
    throw toRejection(err);
  }
  if (doc.numPages < 1) {
    await doc.destroy();
    throw new PdfRejectedError('corrupt', 'document has no pages');
  }
  return doc;
}
