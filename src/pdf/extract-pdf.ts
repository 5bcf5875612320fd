import { PdfRejectedError } from './errors.ts';
import { checkPdfHeader, isOverCeiling, readMetadata, withCheckedPdf, type PdfMetadata } from './inspect-pdf.ts';
import { convertLegacyVietnamese, detectLegacyEncoding, repairPageText, type LegacyEncoding } from './legacy-encoding.ts';
import { countOutline, readOutline, type OutlineNode } from './outline.ts';
import { hasReadableText, joinTextItems, normalisePageText } from './page-text.ts';
import { bookBudgetMs, pdfLimits } from './pdf-limits.ts';
import { errorMessage, withPage, type PDFDocumentProxy, type PDFPageProxy } from './pdfjs.ts';

export interface PageInfo {
  /** No letter or digit on the page: a scan, a picture, or a blank page. */
  textless: boolean;
  /** pdf.js could not read the page (broken page tree, bad content stream); `text` is ''. */
  failed: boolean;
  /** Why the page failed (pdf.js's message), when it did. */
  error?: string;
  /** The text layer is junk no table can convert (see detectLegacyEncoding): OCR may read the rendering. */
  undecodable?: boolean;
  /** The page looks like legacy-font mojibake. */
  legacyEncoding: LegacyEncoding | null;
  /** `text` was converted to Unicode from the legacy encoding; `originalText` is what pdf.js gave. */
  converted: boolean;
  originalText?: string;
  /** The document's page count, so progress can read "n / total" from the first page on. */
  pageCount: number;
}

export type OnPage = (pageNumber: number, text: string, info: PageInfo) => void | Promise<void>;

export interface ExtractOptions {
  /** Called once per page, in order, awaited before the next page is read (so memory stays flat). */
  onPage: OnPage;
  signal?: AbortSignal;
}

export interface FailedPage {
  pageNumber: number;
  error: string;
}

export interface ExtractSummary {
  numPages: number;
  outline: OutlineNode[];
  outlineCount: number;
  metadata: PdfMetadata;
  textlessPages: number[];
  mojibakePages: number[];
  /** Pages whose text was converted from a legacy encoding (a subset of mojibakePages). */
  convertedPages: number[];
  failedPages: FailedPage[];
  /** Pages whose text layer is unusable junk (not legacy Vietnamese, not convertible). */
  undecodablePages: number[];
  /** The most common legacy encoding among mojibake pages; null when there are none. */
  legacyEncoding: LegacyEncoding | null;
}

/**
 * Reads every page's text and hands it to `onPage`, so callers can stream a long book into the
 * database. A few unreadable pages are tolerated and reported in `failedPages`; when more than
 * half of the pages fail, the book is rejected as corrupt (it would be mostly empty to readers).
 * Note that onPage has then already run for some pages: callers should write inside a transaction.
 */
export async function extractPdf(filePath: string, options: ExtractOptions): Promise<ExtractSummary> {
  await checkPdfHeader(filePath);
  return withCheckedPdf(filePath, (doc) => extractDocument(doc, options));
}

async function extractDocument(doc: PDFDocumentProxy, { onPage, signal }: ExtractOptions): Promise<ExtractSummary> {
  const metadata = await readMetadata(doc);
  let outline = await readOutline(doc);
  const textlessPages: number[] = [];
  const mojibakePages: number[] = [];
  const convertedPages: number[] = [];
  const failedPages: FailedPage[] = [];
  const undecodablePages: number[] = [];
  const encodings = new Map<LegacyEncoding, number>();
  const limits = pdfLimits();
  // A time budget that grows with the book, so a file that is slow on every page (megabytes of
  // text, endless operators) fails with a reason long before the pool's hard timeout kills it.
  const deadline = performance.now() + bookBudgetMs(limits, doc.numPages);

  for (let n = 1; n <= doc.numPages; n++) {
    signal?.throwIfAborted();
    if (performance.now() > deadline) {
      throw new PdfRejectedError('too_heavy', `time budget of ${bookBudgetMs(limits, doc.numPages)} ms spent at page ${n}`);
    }
    let raw: string;
    try {
      raw = await withPage(doc, n, async (page) => joinTextItems(await readTextItems(page, limits.maxPageTextChars, deadline)));
    } catch (err) {
      const error = errorMessage(err);
      if (err instanceof PdfRejectedError) throw err;
      if (isOverCeiling(err)) throw new PdfRejectedError('too_heavy', `page ${n}: ${error}`);
      failedPages.push({ pageNumber: n, error });
      textlessPages.push(n);
      await onPage(n, '', { textless: true, failed: true, error, legacyEncoding: null, converted: false, pageCount: doc.numPages });
      continue;
    }
    raw = raw.normalize('NFC');
    const detection = detectLegacyEncoding(raw);
    const repaired = repairPageText(raw, detection);
    const text = normalisePageText(repaired ?? raw);
    const info: PageInfo = {
      textless: !hasReadableText(text),
      failed: false,
      legacyEncoding: detection.encoding,
      converted: false,
      undecodable: detection.undecodable,
      pageCount: doc.numPages,
    };
    if (info.textless) textlessPages.push(n);
    else if (detection.undecodable) undecodablePages.push(n);
    if (detection.encoding) {
      mojibakePages.push(n);
      encodings.set(detection.encoding, (encodings.get(detection.encoding) ?? 0) + 1);
    }
    if (repaired !== null && repaired !== raw) {
      info.converted = true;
      info.originalText = normalisePageText(raw);
      convertedPages.push(n);
    }
    await onPage(n, text, info);
  }

  if (failedPages.length * 2 > doc.numPages) {
    const first = failedPages[0];
    throw new PdfRejectedError(
      'corrupt',
      `${failedPages.length} of ${doc.numPages} pages unreadable (page ${first.pageNumber}: ${first.error})`,
    );
  }
  const legacyEncoding = [...encodings.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  if (legacyEncoding) outline = convertOutlineTitles(outline, legacyEncoding);
  return {
    numPages: doc.numPages,
    outline,
    outlineCount: countOutline(outline),
    metadata,
    textlessPages,
    mojibakePages,
    convertedPages,
    failedPages,
    undecodablePages,
    legacyEncoding,
  };
}

/**
 * getTextContent() with ceilings: pdf.js streams a page's text in chunks, so a page with
 * megabytes of text (or one that takes too long) is stopped as soon as it crosses a limit,
 * instead of after all of it has been decoded and held.
 */
async function readTextItems(page: PDFPageProxy, maxChars: number, deadline: number): Promise<unknown[]> {
  const reader = page.streamTextContent().getReader();
  const items: unknown[] = [];
  let chars = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return items;
      for (const item of (value as { items: unknown[] }).items) {
        items.push(item);
        const str = (item as { str?: unknown }).str;
        if (typeof str === 'string') chars += str.length;
      }
      if (chars > maxChars) throw new PdfRejectedError('too_heavy', `page ${page.pageNumber}: over ${maxChars} characters of text`);
      if (performance.now() > deadline) throw new PdfRejectedError('too_heavy', `time budget spent on page ${page.pageNumber}`);
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    throw err;
  }
}

/** Bookmarks of a legacy book are often legacy too; only words that are invalid as they stand change. */
function convertOutlineTitles(nodes: OutlineNode[], encoding: LegacyEncoding): OutlineNode[] {
  return nodes.map((node) => ({
    ...node,
    title: convertLegacyVietnamese(node.title, encoding, { onlyInvalidWords: true }),
    children: convertOutlineTitles(node.children, encoding),
  }));
}
