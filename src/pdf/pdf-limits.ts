/**
 * Ceilings for the work one PDF may cause. Donated files are untrusted: a 2 MB file can hold a
 * stream that inflates to gigabytes, a 30000×30000 image, 100,000 pages or megabytes of text per
 * page. Each limit turns such a file into a clear "too heavy" refusal instead of a stuck slot or
 * an exhausted server. The pool (worker-pool.ts) hands its limits to its child processes through
 * the environment, so every job kind — present and future — runs under the same ceilings without
 * a change to the message protocol.
 */
export interface PdfLimits {
  /** Books with more pages are refused at once (real books here stay far below). */
  maxPages: number;
  /** Characters of text on one page; a dense printed page has ~5,000. */
  maxPageTextChars: number;
  /** One decoded (inflated) stream may not grow past this (a flate bomb stops here, before allocating). */
  maxDecodedStreamBytes: number;
  /** pdf.js's `maxImageSize`: images with more pixels are dropped (a 600 dpi A4 scan has 35 M). */
  maxImagePixels: number;
  /** pdf.js's `canvasMaxAreaInBytes`: larger images are downscaled before they reach a canvas. */
  canvasMaxAreaInBytes: number;
  /** Time budget of one book: base + per page, never more than maxBookMs (checked between pages). */
  bookBaseMs: number;
  perPageMs: number;
  maxBookMs: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = {
  maxPages: 5000,
  maxPageTextChars: 400_000,
  maxDecodedStreamBytes: 256 * 1024 * 1024,
  maxImagePixels: 50_000_000,
  canvasMaxAreaInBytes: 128 * 1024 * 1024,
  bookBaseMs: 60_000,
  perPageMs: 1_000,
  maxBookMs: 8 * 60_000,
};

/** Environment variable through which the pool passes its limits to a child process. */
export const PDF_LIMITS_ENV = 'TVS_PDF_LIMITS';

/** Marker in the message of the error our pdf.js patch throws (load-pdfjs.mjs, stream-ceiling). */
export const DECODED_CEILING_MESSAGE = 'decoded stream exceeds the ceiling';

let cached: PdfLimits | undefined;

/** The limits of this process: the pool's (from the environment) in a PDF child, the defaults elsewhere. */
export function pdfLimits(): PdfLimits {
  if (cached) return cached;
  let fromEnv: Partial<PdfLimits> = {};
  try {
    const raw = process.env[PDF_LIMITS_ENV];
    if (raw) fromEnv = JSON.parse(raw) as Partial<PdfLimits>;
  } catch {
    // A malformed value cannot loosen anything: the defaults apply.
  }
  cached = { ...DEFAULT_PDF_LIMITS, ...pickNumbers(fromEnv) };
  return cached;
}

export function bookBudgetMs(limits: PdfLimits, numPages: number): number {
  return Math.min(limits.maxBookMs, limits.bookBaseMs + limits.perPageMs * numPages);
}

function pickNumbers(value: Partial<PdfLimits>): Partial<PdfLimits> {
  const out: Partial<PdfLimits> = {};
  for (const key of Object.keys(DEFAULT_PDF_LIMITS) as Array<keyof PdfLimits>) {
    const v = value[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = v;
  }
  return out;
}
