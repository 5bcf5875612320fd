import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { loadPdfjsModules } from './load-pdfjs.mjs';
import { pdfLimits } from './pdf-limits.ts';

export type { PDFDocumentProxy, PDFPageProxy };

/**
 * The one place that knows how to open a PDF with pdf.js in Node.
 *
 * We use the *legacy* build because the modern one assumes browser APIs that Node 20 lacks.
 * In Node, pdf.js runs its "worker" in the calling thread (a fake worker); to keep parsing off
 * the server's event loop, callers run this inside worker_threads (see worker-pool.ts).
 * Loading it on the main thread of a `node --import tsx` process also costs ~150 MB and seconds
 * of start-up, because tsx rewrites pdf.js's 3 MB of JavaScript (worker-bootstrap.mjs avoids that).
 */

const require = createRequire(import.meta.url);
const PDFJS_DIR = path.dirname(require.resolve('pdfjs-dist/package.json'));

/**
 * Asset folders shipped inside pdfjs-dist. pdf.js concatenates file names onto these, so they
 * must end with a slash. They are plain paths, because in Node pdf.js reads them with fs.
 *  - cmaps: predefined CMaps for CJK fonts that have no embedded encoding (90ms-RKSJ-H …);
 *  - standard_fonts: the 14 standard fonts, needed to *render* PDFs that don't embed them;
 *  - wasm: JBIG2/JPEG2000 decoders, needed to render scanned books (JBIG2 is the norm there);
 *  - iccs: colour profiles for CMYK images.
 */
export const PDFJS_ASSETS = {
  cMapUrl: path.join(PDFJS_DIR, 'cmaps') + path.sep,
  standardFontDataUrl: path.join(PDFJS_DIR, 'standard_fonts') + path.sep,
  wasmUrl: path.join(PDFJS_DIR, 'wasm') + path.sep,
  iccUrl: path.join(PDFJS_DIR, 'iccs') + path.sep,
} as const;

export interface OpenPdfOptions {
  password?: string;
}

/**
 * Opens a PDF file. The whole file is read into one buffer that pdf.js takes over (transferred,
 * not copied): it would hold the whole file anyway, and parsing from a plain buffer is about
 * 15 % cheaper than from the chunked stream pdf.js builds when it reads the file itself (`url`),
 * whose every sub-stream is a fresh prototype chain and every byte read a bounds check.
 *
 * Untrusted input: no eval (`isEvalSupported: false`), no scripting (that is a viewer feature we
 * never load), no system fonts, no @font-face (Node has no DOM; glyphs are drawn as paths).
 */
export async function openPdf(filePath: string, options: OpenPdfOptions = {}): Promise<PDFDocumentProxy> {
  // Once per thread, with our text-extraction edits and native push/JSON.parse (see load-pdfjs.mjs).
  const { getDocument, VerbosityLevel } = await loadPdfjsModules();
  const limits = pdfLimits();
  // Read by our pdf.js edit (stream-ceiling in load-pdfjs.mjs) whenever a decoded stream grows.
  (globalThis as { __thuVienSoMaxDecodedBytes?: number }).__thuVienSoMaxDecodedBytes = limits.maxDecodedStreamBytes;
  const task = getDocument({
    data: await readWholeFile(filePath),
    password: options.password,
    ...PDFJS_ASSETS,
    cMapPacked: true,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    // Bombs: oversized images are dropped, big ones downscaled before they reach a canvas.
    maxImageSize: limits.maxImagePixels,
    canvasMaxAreaInBytes: limits.canvasMaxAreaInBytes,
    // Errors only: warnings about broken fonts/xrefs are routine in donated PDFs and would flood logs.
    verbosity: VerbosityLevel.ERRORS,
  });
  // Without a password the loading task rejects with PasswordException (code 1); with a wrong
  // one, code 2. Either way the promise settles: pdf.js only waits when onPassword is set.
  try {
    return await task.promise;
  } catch (err) {
    // A failed load can leave the fake worker's resources alive; destroy releases them.
    await task.destroy().catch(() => undefined);
    throw err;
  }
}

/**
 * Loads one page, runs `fn`, and always calls `page.cleanup()`: without it pdf.js keeps every
 * page's operator list and decoded fonts/images, and memory grows past 1 GB on long books.
 */
export async function withPage<T>(doc: PDFDocumentProxy, pageNumber: number, fn: (page: PDFPageProxy) => Promise<T>): Promise<T> {
  const page = await doc.getPage(pageNumber);
  try {
    return await fn(page);
  } finally {
    page.cleanup();
  }
}

/** The `name` pdf.js gives its exceptions (they cross its worker boundary, so instanceof is unreliable). */
export function pdfjsErrorName(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string') return err.name;
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}

/**
 * The file in a Uint8Array that spans its whole ArrayBuffer: pdf.js then uses it as is instead of
 * copying it (a Node Buffer may be a view into a larger shared pool, which pdf.js would copy).
 */
async function readWholeFile(filePath: string): Promise<Uint8Array> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const data = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(data, offset, size - offset, offset);
      if (bytesRead === 0) break; // the file shrank while we read it: pdf.js gets what is there
      offset += bytesRead;
    }
    return offset === size ? data : data.slice(0, offset);
  } finally {
    await handle.close();
  }
}
