import { isbot } from 'isbot';
import type { Clock } from '../../infra/clock.ts';
import type { BookRecord, PublicRepository } from '../public/public.repository.ts';
import { highlightTerms, queryTerms, type Segment } from '../public/text.ts';
import { isUsableText } from './page-highlights.ts';

export interface TextPage {
  pageNumber: number;
  pageCount: number;
  paragraphs: Segment[][];
  empty: boolean;
  /** False for scanned pages and undecodable old-font text: the page's picture is shown instead. */
  usable: boolean;
  /** The text was recognised by OCR from the page's picture: readers are told it may contain errors. */
  recognised: boolean;
}

/** Rules of reading: text mode pages and counting opens. */
export class ReaderService {
  constructor(
    private readonly repo: PublicRepository,
    private readonly clock: Clock,
  ) {}

  pageCount(book: BookRecord): number {
    return Math.max(1, book.pageCount ?? 1);
  }

  async textPage(book: BookRecord, pageNumber: number, query = ''): Promise<TextPage | undefined> {
    const pageCount = this.pageCount(book);
    if (pageNumber < 1 || pageNumber > pageCount) return undefined;
    const row = await this.repo.pageText(book.id, pageNumber);
    const text = row?.text ?? '';
    const terms = queryTerms(query);
    const usable = isUsableText(text);
    const paragraphs = usable ? toParagraphs(text).map((p) => highlightTerms(p, terms)) : [];
    return { pageNumber, pageCount, paragraphs, empty: paragraphs.length === 0, usable, recognised: row?.source === 'ocr' && text !== '' };
  }

  /** Counts a reader opening a book (for "popular"); crawlers and link previews are not readers. */
  async recordOpen(libraryId: number, bookId: number, userAgent: string | undefined): Promise<boolean> {
    if (!userAgent || isbot(userAgent)) return false;
    await this.repo.recordOpen(libraryId, bookId, this.clock.now());
    return true;
  }
}

/**
 * Extracted PDF text has one line per printed line. Blank lines separate paragraphs; without
 * them, a line ending a sentence ends a paragraph. Hyphenated line breaks are joined.
 */
export function toParagraphs(text: string): string[] {
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  const out: string[] = [];
  for (const block of blocks) {
    let current = '';
    for (const raw of block.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      current = !current ? line : current.endsWith('-') ? current.slice(0, -1) + line : `${current} ${line}`;
      if (blocks.length === 1 && /[.!?:…»”"]$/.test(line)) {
        out.push(current);
        current = '';
      }
    }
    if (current) out.push(current);
  }
  return out;
}
