import fs from 'node:fs/promises';
import { PdfRejectedError } from './errors.ts';
import { detectLegacyEncoding, repairPageText } from './legacy-encoding.ts';
import { DECODED_CEILING_MESSAGE, pdfLimits } from './pdf-limits.ts';
import { errorMessage, openPdf, pdfjsErrorName, type PDFDocumentProxy } from './pdfjs.ts';

export interface PdfMetadata {
  title: string | null;
  author: string | null;
  subject: string | null;
  keywords: string | null;
  /** BCP 47 tag as the PDF states it (/Lang or XMP dc:language), e.g. "vi" or "en-US". */
  language: string | null;
}

export interface PdfInspection {
  numPages: number;
  metadata: PdfMetadata;
}

/** The PDF spec lets readers accept junk before the header; Acrobat looks in the first 1024 bytes. */
const HEADER_WINDOW = 1024;
/** Pages loaded by validatePdfFile to catch files that open but whose page tree is broken. */
const PROBE_PAGES = 3;

/**
 * Checks an uploaded file before it is accepted: not empty, really a PDF (magic bytes, not the
 * file name), opens in pdf.js, not password-protected (encrypted files that open with the empty
 * user password are fine), and at least one of its first pages loads.
 * Throws PdfRejectedError; other errors (file missing, I/O) propagate unchanged.
 */
export async function validatePdfFile(filePath: string): Promise<PdfInspection> {
  await checkPdfHeader(filePath);
  return withCheckedPdf(filePath, async (doc) => {
    await probePages(doc);
    return { numPages: doc.numPages, metadata: await readMetadata(doc) };
  });
}

export async function checkPdfHeader(filePath: string): Promise<void> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new PdfRejectedError('empty', 'file is empty');
    const head = Buffer.alloc(Math.min(size, HEADER_WINDOW));
    await handle.read(head, 0, head.length, 0);
    if (head.indexOf('%PDF-', 0, 'latin1') < 0) {
      throw new PdfRejectedError('not_pdf', `no %PDF- header in the first ${HEADER_WINDOW} bytes`);
    }
  } finally {
    await handle.close();
  }
}

/** Opens a file whose header was checked, turning pdf.js's load errors into rejections. */
export async function withCheckedPdf<T>(filePath: string, fn: (doc: PDFDocumentProxy) => Promise<T>): Promise<T> {
  let doc: PDFDocumentProxy;
  try {
    doc = await openPdf(filePath);
  } catch (err) {
    throw toRejection(err);
  }
  try {
    if (doc.numPages < 1) throw new PdfRejectedError('corrupt', 'document has no pages');
    // A 100,000-page file would hold a slot for hours: refused before any page is read.
    const { maxPages } = pdfLimits();
    if (doc.numPages > maxPages) throw new PdfRejectedError('too_heavy', `${doc.numPages} pages (limit ${maxPages})`);
    return await fn(doc);
  } finally {
    // pdf.js caches fonts and images per document; destroy frees them even when fn threw.
    await doc.destroy();
  }
}

/** Maps an error from pdf.js's loading to our codes. Files go wrong in many ways: anything unknown is 'corrupt'. */
export function toRejection(err: unknown): Error {
  if (err instanceof PdfRejectedError) return err;
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' && err.code.startsWith('E')) {
    return err instanceof Error ? err : new Error(errorMessage(err)); // ENOENT, EACCES…: not the file's fault
  }
  const name = pdfjsErrorName(err);
  if (isOverCeiling(err)) return new PdfRejectedError('too_heavy', errorMessage(err));
  if (name === 'PasswordException') return new PdfRejectedError('password_protected', errorMessage(err));
  return new PdfRejectedError('corrupt', `${name ?? 'Error'}: ${errorMessage(err)}`);
}

/** The error of our decoded-stream ceiling (it crosses pdf.js's worker boundary as a message only). */
export function isOverCeiling(err: unknown): boolean {
  return errorMessage(err).includes(DECODED_CEILING_MESSAGE);
}

async function probePages(doc: PDFDocumentProxy): Promise<void> {
  const count = Math.min(doc.numPages, PROBE_PAGES);
  let lastError: unknown;
  for (let n = 1; n <= count; n++) {
    try {
      const page = await doc.getPage(n);
      page.cleanup();
      return;
    } catch (err) {
      if (isOverCeiling(err)) throw new PdfRejectedError('too_heavy', errorMessage(err));
      lastError = err;
    }
  }
  throw new PdfRejectedError('corrupt', `first ${count} page(s) fail to load: ${errorMessage(lastError)}`);
}

/**
 * Title etc. from XMP (preferred, as pdf.js's viewer and Acrobat do: it is Unicode and usually
 * newer) with the Info dictionary as fallback. Subject and keywords prefer the Info dictionary,
 * because calibre fills XMP dc:description with an HTML blurb.
 */
export async function readMetadata(doc: PDFDocumentProxy): Promise<PdfMetadata> {
  const { info, metadata: xmp } = await doc.getMetadata().catch(() => ({ info: {}, metadata: null }));
  const fromInfo = (key: string): unknown =>
    typeof info === 'object' && info !== null ? (info as Record<string, unknown>)[key] : undefined;
  const fromXmp = (key: string): unknown => xmp?.get(key) ?? undefined;
  return {
    title: cleanTitle(clean(fromXmp('dc:title')) ?? clean(fromInfo('Title'))),
    author: clean(fromXmp('dc:creator')) ?? clean(fromInfo('Author')),
    subject: clean(fromInfo('Subject')) ?? clean(stripHtml(fromXmp('dc:description'))),
    keywords: clean(fromInfo('Keywords')) ?? clean(fromXmp('pdf:keywords')) ?? clean(fromXmp('dc:subject')),
    language: clean(fromInfo('Language')) ?? clean(fromXmp('dc:language')),
  };
}

/** Trimmed, NFC, whitespace collapsed, legacy Vietnamese converted; empty → null. Arrays (XMP bags) are joined. */
function clean(value: unknown): string | null {
  const raw = Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(', ') : value;
  if (typeof raw !== 'string') return null;
  const text = raw
    .replace(/[\p{Cc}\uFEFF]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .normalize('NFC');
  if (!text) return null;
  return repairPageText(text, detectLegacyEncoding(text))?.normalize('NFC') ?? text;
}

/** Authoring tools often store the file name ("Microsoft Word - bai giang.doc", "untitled"); that is not a title. */
function cleanTitle(title: string | null): string | null {
  if (!title) return null;
  const t = title.replace(/^Microsoft (Word|PowerPoint) - /i, '');
  if (/^untitled$/i.test(t) || /\.(docx?|pdf|rtf|odt|txt|indd|pm[d6]|p65|qxd|tex|ps)$/i.test(t)) return null;
  return t;
}

function stripHtml(value: unknown): unknown {
  if (typeof value !== 'string' || !/<[a-z/][^>]*>/i.test(value)) return value;
  return value
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
