import type { Database } from '../../../db/database.ts';
import type { OutlineNode } from '../../../db/schema/catalogue.ts';
import { isDiskFull } from '../../../infra/faults.ts';
import { PermanentJobError, type JobHandler } from '../../../infra/jobs/job-runner.ts';
import type { Clock } from '../../../infra/clock.ts';
import type { Logger } from '../../../infra/logger.ts';
import type { Storage } from '../../../infra/storage.ts';
import type { SearchIndexer } from '../../search/search-indexer.ts';
import type { BookPagesRepository } from '../books/book-pages.repository.ts';
import type { BooksRepository } from '../books/books.repository.ts';
import { saveCovers, type CoverImage } from '../books/covers.ts';
import { isPdfRejection, type PdfEngine } from '../../../pdf/pdf-engine.ts';
import { prefillFromPdf } from './prefill.ts';

export const INGEST_JOB = 'catalogue.ingest';

/** Error texts stored in books.ingest_error that are message keys (shown translated). */
export const INGEST_ERROR_KEYS = {
  corrupt: 'catalogue.reject.corrupt',
  password_protected: 'catalogue.reject.password',
  not_pdf: 'catalogue.reject.notPdf',
  empty: 'catalogue.reject.empty',
  too_heavy: 'catalogue.reject.tooHeavy',
  missing_file: 'catalogue.ingest.missingFile',
  disk_full: 'catalogue.ingest.diskFull',
  /** Anything unexpected: its text (paths, SQL) is logged, never shown. */
  unexpected: 'catalogue.ingest.unexpected',
} as const;

interface Deps {
  db: Database;
  books: BooksRepository;
  pages: BookPagesRepository;
  indexer: SearchIndexer;
  storage: Storage;
  pdf: () => PdfEngine;
  clock: Clock;
  log: Logger;
  /** Queues OCR for pages without a usable text layer, in the same transaction (issue 15). */
  ocr?: { queueAfterIngest(trx: Database, bookId: number): Promise<boolean> };
}

/**
 * The durable ingest job: pdf.js (in worker threads) extracts every page into book_pages, then
 * one transaction stores page count, outline, flags and pre-filled metadata and — for a published
 * book — enqueues the search sync. Pages are upserted, so a job re-run after a crash or a kill
 * overwrites what the first run stored instead of duplicating it.
 */
export function ingestHandler(d: Deps): JobHandler {
  return async (payload, { job, signal, assertLease }) => {
    const bookId = Number(payload.bookId);
    const book = await d.books.findById(bookId);
    // Gone (deleted meanwhile), or finished by a run that died before marking the job done.
    if (!book || book.ingest_status === 'indexed') return;
    const file = await d.books.findFile(book.file_id);
    const pdfPath = file ? d.storage.path('books', file.storage_key) : null;
    if (!pdfPath || !(await d.storage.exists('books', file!.storage_key))) {
      await d.books.setIngestState(bookId, { ingest_status: 'failed', ingest_error: INGEST_ERROR_KEYS.missing_file });
      throw new PermanentJobError(`book ${bookId}: PDF file missing from storage`);
    }
    await d.books.setIngestState(bookId, {
      ingest_status: 'extracting',
      ingest_error: null,
      ingest_progress: 0,
      ingest_total: null,
      ingest_started_at: d.clock.now(),
    });
    const log = d.log.child({ bookId, jobId: job.id });
    const started = performance.now();
    try {
      const result = await d.pdf().extract(
        pdfPath,
        async (pages, pageCount) => {
          await d.pages.upsert(bookId, pages);
          await d.books.setIngestProgress(bookId, pages[pages.length - 1].pageNumber, pageCount);
        },
        signal,
      );
      let covers: CoverImage[] | null = null;
      if (!book.cover_custom) {
        covers = await d
          .pdf()
          .renderCover(pdfPath)
          .catch((err: unknown) => {
            log.warn({ err }, 'cover rendering failed; the book gets the placeholder cover');
            return null;
          });
        if (covers) await saveCovers(d.storage, bookId, covers);
      }
      await d.db.transaction().execute(async (trx) => {
        await assertLease(trx); // a worker that lost this job must not overwrite the new holder's results
        const current = await d.books.lockById(bookId, trx);
        if (!current) return;
        await d.pages.deleteAfter(bookId, result.numPages, trx);
        await d.books.saveExtraction(trx, bookId, {
          pageCount: result.numPages,
          outline: result.outline as OutlineNode[],
          pdfMetadata: { ...result.metadata },
          needsOcr: result.numPages > 0 && result.textlessPages.length >= Math.max(1, Math.ceil(result.numPages * 0.5)),
          legacyEncoding: result.legacyEncoding,
          textlessPages: result.textlessPages,
          legacyPages: result.mojibakePages,
          at: d.clock.now(),
        });
        const { change, authors } = prefillFromPdf(current, (await d.books.authorsOf(bookId, trx)).length > 0, result.metadata);
        await d.books.updateMetadata(trx, bookId, change);
        if (authors) await d.books.setAuthors(trx, bookId, authors);
        if (covers && !current.cover_custom) await d.books.setCover(bookId, false, trx);
        if (current.status === 'published') await d.indexer.enqueueSync(trx, [bookId]);
        await d.ocr?.queueAfterIngest(trx, bookId);
      });
      log.info(
        {
          pages: result.numPages,
          ms: Math.round(performance.now() - started),
          legacy: result.legacyEncoding,
          textless: result.textlessPages.length,
        },
        'book ingested',
      );
    } catch (err) {
      if (signal.aborted) throw err; // shutting down: the runner puts the job back in the queue
      if (!(await d.books.findById(bookId))) return; // deleted while we worked
      if (isDiskFull(err)) {
        // Not the book's fault: it waits (translated reason shown) and the runner retries once space returns.
        await d.books.setIngestState(bookId, { ingest_status: 'queued', ingest_error: INGEST_ERROR_KEYS.disk_full, ingest_progress: 0 });
        throw err;
      }
      const rejected = isPdfRejection(err);
      if (rejected || job.attempts >= job.max_attempts) {
        const message = rejected ? INGEST_ERROR_KEYS[err.code] : INGEST_ERROR_KEYS.unexpected;
        if (!rejected) log.error({ err }, 'ingest failed for good');
        // No half-extracted book: the pages stored so far go, the reason stays on the draft.
        await d.pages.deleteAfter(bookId, 0);
        await d.books.setIngestState(bookId, { ingest_status: 'failed', ingest_error: message, ingest_progress: 0 });
        if (rejected) throw new PermanentJobError(`book ${bookId}: ${err.code}`);
      } else {
        await d.books.setIngestState(bookId, { ingest_status: 'queued' });
      }
      throw err;
    }
  };
}
