import { PdfRejectedError } from './errors.ts';
import { checkPdfHeader, readMetadata, withCheckedPdf, type PdfMetadata } from './inspect-pdf.ts';
import { convertLegacyVietnamese, detectLegacyEncoding, repairPageText, type LegacyEncoding } from './legacy-encoding.ts';
import { countOutline, readOutline, type OutlineNode } from './outline.ts';
import { hasReadableText, joinTextItems, normalisePageText } from './page-text.ts';
import { errorMessage, withPage, type PDFDocumentProxy } from './pdfjs.ts';

export interface PageInfo {
  /** No letter or digit on the page: a scan, a picture, or a blank page. */
  textless: boolean;
  /** pdf.js could not read the page (broken page tree, bad content stream); `text` is ''. */
  failed: boolean;
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
  const encodings = new Map<LegacyEncoding, number>();

  for (let n = 1; n <= doc.numPages; n++) {
    signal?.throwIfAborted();
    let raw: string;
    try {
      raw = await withPage(doc, n, async (page) => joinTextItems((await page.getTextContent()).items));
    } catch (err) {
      failedPages.push({ pageNumber: n, error: errorMessage(err) });
      textlessPages.push(n);
      await onPage(n, '', { textless: true, failed: true, legacyEncoding: null, converted: false, pageCount: doc.numPages });
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
      pageCount: doc.numPages,
    };
    if (info.textless) textlessPages.push(n);
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
    legacyEncoding,
  };
}

/** Bookmarks of a legacy book are often legacy too; only words that are invalid as they stand change. */
function convertOutlineTitles(nodes: OutlineNode[], encoding: LegacyEncoding): OutlineNode[] {
  return nodes.map((node) => ({
    ...node,
    title: convertLegacyVietnamese(node.title, encoding, { onlyInvalidWords: true }),
    children: convertOutlineTitles(node.children, encoding),
  }));
}
