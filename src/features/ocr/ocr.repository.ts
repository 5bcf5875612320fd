import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { OcrBookStatus } from '../../db/schema/catalogue.ts';
import { stripNul } from '../catalogue/books/book-pages.repository.ts';

export interface OcrCounts {
  pending: number;
  done: number;
  failed: number;
  excluded: number;
}

export interface PendingPage {
  pageNumber: number;
  /** What the text layer gave (junk on undecodable pages, '' on scans): kept as raw_text. */
  text: string;
}

/** All SQL of the OCR feature: per-page OCR state in book_pages, per-book run state in books. */
export class OcrRepository {
  constructor(private readonly db: Database) {}

  async pendingPages(bookId: number, limit: number): Promise<PendingPage[]> {
    const rows = await this.db
      .selectFrom('book_pages')
      .select(['page_number', 'text'])
      .where('book_id', '=', bookId)
      .where('ocr_state', '=', 'pending')
      .orderBy('page_number')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ pageNumber: r.page_number, text: r.text }));
  }

  /**
   * Stores recognised text. Only while the page is still pending: a librarian who excluded the
   * page (or a re-ingest) meanwhile wins. The text layer's junk stays in raw_text for reference.
   */
  async saveRecognised(bookId: number, page: PendingPage, text: string, confidence: number): Promise<boolean> {
    const r = await this.db
      .updateTable('book_pages')
      .set({
        text: stripNul(text),
        raw_text: sql`coalesce(raw_text, nullif(${stripNul(page.text)}, ''))`,
        source: 'ocr',
        ocr_state: 'done',
        ocr_confidence: confidence,
        ocr_error: null,
      })
      .where('book_id', '=', bookId)
      .where('page_number', '=', page.pageNumber)
      .where('ocr_state', '=', 'pending')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** A page with nothing drawn on it: done, nothing to recognise. */
  async markBlank(bookId: number, pageNumber: number): Promise<void> {
    await this.setState(bookId, [pageNumber], 'done', ['pending'], null);
  }

  async markFailed(bookId: number, pageNumber: number, error: string): Promise<void> {
    await this.setState(bookId, [pageNumber], 'failed', ['pending'], error.slice(0, 500));
  }

  /**
   * Takes pages out of OCR. Pages already recognised lose their OCR text (back to the text layer,
   * kept in raw_text when there was one), so an excluded page is never searchable by OCR text.
   */
  async exclude(bookId: number, pages: number[], trx: Database = this.db): Promise<number> {
    if (pages.length === 0) return 0;
    const r = await trx
      .updateTable('book_pages')
      .set({
        ocr_state: 'excluded',
        text: sql`case when source = 'ocr' then coalesce(raw_text, '') else text end`,
        raw_text: sql`case when source = 'ocr' then null else raw_text end`,
        source: 'pdf',
        ocr_confidence: null,
      })
      .where('book_id', '=', bookId)
      .where('page_number', 'in', pages)
      .where('ocr_state', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** "Run again": recognised, failed and excluded pages go back to pending. */
  async requeueAll(bookId: number, trx: Database): Promise<number> {
    const r = await trx
      .updateTable('book_pages')
      .set({ ocr_state: 'pending', ocr_error: null })
      .where('book_id', '=', bookId)
      .where('ocr_state', 'in', ['done', 'failed', 'excluded'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async counts(bookId: number, db: Database = this.db): Promise<OcrCounts> {
    const rows = await db
      .selectFrom('book_pages')
      .select(['ocr_state', (eb) => eb.fn.countAll<string>().as('n')])
      .where('book_id', '=', bookId)
      .where('ocr_state', 'is not', null)
      .groupBy('ocr_state')
      .execute();
    const out: OcrCounts = { pending: 0, done: 0, failed: 0, excluded: 0 };
    for (const r of rows) if (r.ocr_state) out[r.ocr_state] = Number(r.n);
    return out;
  }

  /** Pages pdf.js could not read, and pages OCR could not read, with the reasons. */
  async problemPages(bookId: number): Promise<Array<{ pageNumber: number; extractError: string | null; ocrError: string | null }>> {
    const rows = await this.db
      .selectFrom('book_pages')
      .select(['page_number', 'extract_error', 'ocr_error'])
      .where('book_id', '=', bookId)
      .where((eb) => eb.or([eb('extract_error', 'is not', null), eb('ocr_state', '=', 'failed')]))
      .orderBy('page_number')
      .limit(200)
      .execute();
    return rows.map((r) => ({ pageNumber: r.page_number, extractError: r.extract_error, ocrError: r.ocr_error }));
  }

  async excludedPages(bookId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('book_pages')
      .select('page_number')
      .where('book_id', '=', bookId)
      .where('ocr_state', '=', 'excluded')
      .orderBy('page_number')
      .execute();
    return rows.map((r) => r.page_number);
  }

  async bookState(bookId: number, db: Database = this.db) {
    return db
      .selectFrom('books')
      .select(['id', 'status', 'file_id', 'ocr_status', 'ocr_started_at', 'ocr_finished_at', 'ocr_pages_at_start'])
      .where('id', '=', bookId)
      .executeTakeFirst();
  }

  async lockBook(bookId: number, trx: Database) {
    return trx.selectFrom('books').select(['id', 'status', 'ocr_status']).where('id', '=', bookId).forUpdate().executeTakeFirst();
  }

  /** Sets the book's OCR status; a new run (queued) restarts the clock for the time estimate. */
  async setBookStatus(bookId: number, status: OcrBookStatus, trx: Database = this.db, opts: { doneNow?: number } = {}): Promise<void> {
    const now = sql<Date>`now()`;
    await trx
      .updateTable('books')
      .set({
        ocr_status: status,
        ...(status === 'queued' ? { ocr_started_at: null, ocr_finished_at: null } : {}),
        ...(status === 'running' ? { ocr_started_at: sql<Date>`coalesce(ocr_started_at, now())` } : {}),
        ...(status === 'done' ? { ocr_finished_at: now } : {}),
        ...(opts.doneNow !== undefined ? { ocr_pages_at_start: opts.doneNow } : {}),
      })
      .where('id', '=', bookId)
      .execute();
  }

  private async setState(bookId: number, pages: number[], state: 'done' | 'failed', from: Array<'pending'>, error: string | null) {
    await this.db
      .updateTable('book_pages')
      .set({ ocr_state: state, ocr_error: error })
      .where('book_id', '=', bookId)
      .where('page_number', 'in', pages)
      .where('ocr_state', 'in', from)
      .execute();
  }
}
