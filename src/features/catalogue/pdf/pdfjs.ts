import { createRequire } from 'node:module';
import path from 'node:path';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

export type { PDFDocumentProxy, PDFPageProxy };
export type PdfjsModule = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

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

const WORKER_MODULE = 'pdfjs-dist/legacy/build/pdf.worker.mjs';
let loading: Promise<PdfjsModule> | undefined;

/**
 * Loads pdf.js once per thread.
 *  - The worker module is imported up front: it sets globalThis.pdfjsWorker, so pdf.js's fake
 *    worker runs in this thread instead of importing the module again on first use.
 *  - The legacy build installs core-js polyfills globally; on Node 20 that includes a pure-JS
 *    Array.prototype.push, which slows every push in the thread (we measured 5–15 % of extraction time).
 *    V8's native push is spec-compliant, so we put it back once both modules are loaded. Likewise
 *    JSON.parse, which core-js replaces with a JavaScript parser (for a reviver feature nobody here uses).
 */
export function loadPdfjs(): Promise<PdfjsModule> {
  loading ??= (async () => {
    const nativePush = Array.prototype.push;
    const nativeJsonParse = JSON.parse;
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    await import(WORKER_MODULE);
    Array.prototype.push = nativePush;
    JSON.parse = nativeJsonParse;
    return pdfjs;
  })();
  return loading;
}

export interface OpenPdfOptions {
  password?: string;
}

/**
 * Opens a PDF file. pdf.js streams it from disk in 64 KiB chunks (its Node file stream), so we
 * never hold a second copy of the bytes; pdf.js itself keeps one copy while the document is open.
 *
 * Untrusted input: no eval (`isEvalSupported: false`), no scripting (that is a viewer feature we
 * never load), no system fonts, no @font-face (Node has no DOM; glyphs are drawn as paths).
 */
export async function openPdf(filePath: string, options: OpenPdfOptions = {}): Promise<PDFDocumentProxy> {
  const { getDocument, VerbosityLevel } = await loadPdfjs();
  const task = getDocument({
    url: path.resolve(filePath),
    password: options.password,
    ...PDFJS_ASSETS,
    cMapPacked: true,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
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

/** Opens a PDF, runs `fn`, and always destroys the document (pdf.js caches fonts and images per document). */
export async function withPdf<T>(
  filePath: string,
  fn: (doc: PDFDocumentProxy) => Promise<T>,
  options: OpenPdfOptions = {},
): Promise<T> {
  const doc = await openPdf(filePath, options);
  try {
    return await fn(doc);
  } finally {
    await doc.destroy();
  }
}

/**
 * Loads one page, runs `fn`, and always calls `page.cleanup()`: without it pdf.js keeps every
 * page's operator list and decoded fonts/images, and memory grows past 1 GB on long books.
 */
export async function withPage<T>(
  doc: PDFDocumentProxy,
  pageNumber: number,
  fn: (page: PDFPageProxy) => Promise<T>,
): Promise<T> {
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
