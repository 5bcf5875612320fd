import type { Database } from '../../db/database.ts';
import type { OcrEngine } from '../../infra/ocr/tesseract-ocr.ts';
import { PermanentJobError, type JobHandler } from '../../infra/jobs/job-runner.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Storage } from '../../infra/storage.ts';
import { normalisePageText } from '../../pdf/page-text.ts';
import type { PdfEngine } from '../../pdf/pdf-engine.ts';
import type { BooksRepository } from '../catalogue/books/books.repository.ts';
import type { SearchIndexer } from '../search/search-indexer.ts';
import type { OcrRepository, PendingPage } from './ocr.repository.ts';
import type { OcrService } from './ocr.service.ts';

/**
 * Pages handled per job run. After each chunk the job queues its own continuation and ends, so
 * OCR (lowest priority) gives its job slot back to ingest and search work between chunks, and a
 * restart loses at most the page being recognised: every page's result is committed on its own.
 */
const CHUNK = 8;

interface Deps {
  db: Database;
  repo: OcrRepository;
  service: OcrService;
  books: BooksRepository;
  indexer: SearchIndexer;
  storage: Storage;
  pdf: () => PdfEngine;
  ocr: () => OcrEngine;
  concurrency: number;
  dpi: number;
  log: Logger;
}

export function ocrHandler(d: Deps): JobHandler {
  return async (payload, { job, signal }) => {
    const bookId = Number(payload.bookId);
    const book = await d.repo.bookState(bookId);
    if (!book || book.ocr_status === 'skipped') return;
    const file = await d.books.findFile(book.file_id);
    if (!file || !(await d.storage.exists('books', file.storage_key))) throw new PermanentJobError(`book ${bookId}: PDF file missing`);
    const pdfPath = d.storage.path('books', file.storage_key);
    const log = d.log.child({ bookId, jobId: job.id });

    const pages = await d.repo.pendingPages(bookId, CHUNK);
    if (pages.length > 0) await d.repo.setBookStatus(bookId, 'running');
    let changed = false;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < pages.length; i = next++) {
        signal.throwIfAborted();
        // A librarian may skip the book while it runs: stop at the next page.
        if ((await d.repo.bookState(bookId))?.ocr_status === 'skipped') return;
        const page = pages[i];
        if (await recognisePage(d, bookId, pdfPath, page, log)) changed = true;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(d.concurrency, pages.length)) }, worker));

    await d.db.transaction().execute(async (trx) => {
      const current = await d.repo.lockBook(bookId, trx);
      if (!current) return;
      if (changed && current.status === 'published') await d.indexer.enqueueSync(trx, [bookId]);
      if (current.ocr_status === 'skipped') return;
      if ((await d.repo.pendingPages(bookId, 1)).length > 0) await d.service.enqueueJob(trx, bookId);
      else await d.repo.setBookStatus(bookId, 'done', trx);
    });
  };
}

/** Renders (in the PDF worker threads) and recognises (in tesseract's threads) one page; true when its text changed. */
async function recognisePage(d: Deps, bookId: number, pdfPath: string, page: PendingPage, log: Logger): Promise<boolean> {
  let image: { png: Uint8Array; blank: boolean };
  try {
    image = await d.pdf().renderOcrImage(pdfPath, page.pageNumber, d.dpi);
  } catch (err) {
    // The page cannot be drawn either (e.g. a loop in the page tree): recorded, not retried forever.
    const message = err instanceof Error ? err.message : String(err);
    log.warn({ page: page.pageNumber, err: message }, 'OCR: page could not be rendered');
    await d.repo.markFailed(bookId, page.pageNumber, message);
    return false;
  }
  if (image.blank) {
    await d.repo.markBlank(bookId, page.pageNumber);
    return false;
  }
  const result = await d.ocr().recognize(image.png);
  return d.repo.saveRecognised(bookId, page, normalisePageText(result.text), Math.round(result.confidence * 10) / 10);
}
