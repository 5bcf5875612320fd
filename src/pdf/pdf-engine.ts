import type { OutlineNode } from '../db/schema/catalogue.ts';
import type { CoverImage } from '../features/catalogue/books/covers.ts';
import type { PageRenderOptions, RenderedPage } from './render-page.ts';

export type { PageRenderOptions, RenderedPage, WordBox } from './render-page.ts';

/** Why a file cannot become a book (PdfRejectedError codes from pdf/inspect-pdf.ts). */
export type RejectCode = 'empty' | 'not_pdf' | 'corrupt' | 'password_protected' | 'too_heavy';

export interface ExtractedPage {
  pageNumber: number;
  /** Unicode text (legacy TCVN3/VNI text converted when recognised). */
  text: string;
  /** pdf.js's own text, when `text` is a conversion of it. */
  rawText: string | null;
  /** Why pdf.js could not read the page (it is then empty), or undefined. */
  extractError?: string;
  /** No usable text layer (scan, picture, junk, failed): OCR may read the page's rendering. */
  needsOcr?: boolean;
}

export interface ExtractedBook {
  numPages: number;
  outline: OutlineNode[];
  metadata: { title: string | null; author: string | null; subject: string | null; keywords: string | null; language: string | null };
  textlessPages: number[];
  mojibakePages: number[];
  legacyEncoding: string | null;
}

/**
 * What the catalogue needs from the PDF module (pdf/), behind one interface so the rest of the
 * catalogue does not care that extraction runs in worker threads. Implemented in pdf-engine-pool.ts.
 */
export interface PdfEngine {
  /** Throws a PdfRejection for files pdf.js cannot open (corrupt, password). */
  validate(file: string): Promise<void>;
  /**
   * Extracts every page; `onPages` receives pages in order, in small batches, with the document's
   * page count, and is awaited (back-pressure).
   */
  extract(
    file: string,
    onPages: (pages: ExtractedPage[], pageCount: number) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<ExtractedBook>;
  /** Renders the first page with content as cover images, or null when no page has any. */
  renderCover(file: string): Promise<CoverImage[] | null>;
  /** Renders one page as a PNG for text recognition; `blank` when nothing is drawn on it. */
  renderOcrImage(file: string, pageNumber: number, dpi: number): Promise<{ png: Uint8Array; blank: boolean }>;
  /** Renders page 1 as a WebP `width` pixels wide (the reader's instant first page), or null when it is blank. */
  renderFirstPage(file: string, width: number): Promise<Uint8Array | null>;
  /**
   * Renders one page (1-based) as WebP (or raw RGBA for image processing), optionally with its
   * word boxes; on a worker pool of its own, so readers never wait behind a book being ingested.
   * Throws RangeError for a page that does not exist.
   */
  renderPage(file: string, pageNumber: number, options?: PageRenderOptions): Promise<RenderedPage>;
  /** Resizes an uploaded image (JPEG/PNG/WebP) into cover images. */
  coverFromImage(file: string): Promise<CoverImage[]>;
  close(): Promise<void>;
}

export interface PdfRejection extends Error {
  code: RejectCode;
}

export function isPdfRejection(err: unknown): err is PdfRejection {
  const e = err as { name?: string; code?: string } | null;
  return (
    !!e && e.name === 'PdfRejectedError' && ['empty', 'not_pdf', 'corrupt', 'password_protected', 'too_heavy'].includes(String(e.code))
  );
}
