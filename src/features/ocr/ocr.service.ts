import type { Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import type { OcrBookStatus } from '../../db/schema/catalogue.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { SearchIndexer } from '../search/search-indexer.ts';
import type { OcrRepository } from './ocr.repository.ts';

export const OCR_JOB = 'ocr.book';
/** Lower than everything else (default 100, search sync 50): OCR only uses time nothing else wants. */
export const OCR_PRIORITY = 1000;

export interface OcrProgress {
  status: OcrBookStatus;
  /** OCR_ENABLED: when false, queued books wait until it is switched on again. */
  enabled: boolean;
  /** Pages to recognise in this run (excluded pages are not counted). */
  total: number;
  done: number;
  failed: number;
  excluded: number;
  pending: number;
  /** Estimated seconds left, from this run's pace so far; null until a page is done. */
  secondsLeft: number | null;
}

export interface OcrPanel {
  progress: OcrProgress;
  /** Pages pdf.js could not read and pages OCR could not draw, with pdf.js's reason. */
  problems: Array<{ pageNumber: number; extractError: string | null; ocrError: string | null }>;
  excluded: number[];
}

interface Deps {
  db: Database;
  repo: OcrRepository;
  jobs: JobsRepository;
  /** Wakes the job runner after an enqueue (the runner is built after the services). */
  wake: () => void;
  indexer: SearchIndexer;
  clock: Clock;
  config: Config['ocr'];
}

/** Rules of the OCR feature: when a book is queued, what librarians may change, how progress reads. */
export class OcrService {
  constructor(private readonly d: Deps) {}

  /** Inside the ingest transaction: queue OCR when the book has pages without a usable text layer. */
  async queueAfterIngest(trx: Database, bookId: number): Promise<boolean> {
    const book = await this.d.repo.bookState(bookId, trx);
    if (!book || book.ocr_status === 'skipped') return false;
    const counts = await this.d.repo.counts(bookId, trx);
    if (counts.pending === 0) {
      await this.d.repo.setBookStatus(bookId, 'none', trx);
      return false;
    }
    await this.enqueue(trx, bookId, counts.done);
    return true;
  }

  /** Runs OCR again over every page that needs it (also un-skips the book). */
  async runAgain(bookId: number): Promise<'queued' | 'nothing'> {
    const queued = await this.d.db.transaction().execute(async (trx) => {
      if (!(await this.d.repo.lockBook(bookId, trx))) return false;
      await this.d.repo.requeueAll(bookId, trx);
      const counts = await this.d.repo.counts(bookId, trx);
      if (counts.pending === 0) {
        await this.d.repo.setBookStatus(bookId, 'none', trx);
        return false;
      }
      await this.enqueue(trx, bookId, 0);
      return true;
    });
    if (queued) this.d.wake();
    return queued ? 'queued' : 'nothing';
  }

  /** Stops OCR for the book (a running job stops after its current page) until "run again". */
  async skip(bookId: number): Promise<void> {
    await this.d.repo.setBookStatus(bookId, 'skipped');
  }

  /** Takes pages out of OCR; their OCR text (if any) leaves the search index too. */
  async exclude(bookId: number, pages: number[]): Promise<number> {
    return this.d.db.transaction().execute(async (trx) => {
      const book = await this.d.repo.lockBook(bookId, trx);
      if (!book) return 0;
      const n = await this.d.repo.exclude(bookId, pages, trx);
      if (n > 0 && book.status === 'published') await this.d.indexer.enqueueSync(trx, [bookId]);
      return n;
    });
  }

  async progress(bookId: number): Promise<OcrProgress | null> {
    const book = await this.d.repo.bookState(bookId);
    if (!book) return null;
    const c = await this.d.repo.counts(bookId);
    const total = c.pending + c.done + c.failed;
    let secondsLeft: number | null = null;
    if (c.pending > 0 && book.ocr_started_at) {
      const doneThisRun = c.done + c.failed - book.ocr_pages_at_start;
      const elapsed = (this.d.clock.now().getTime() - book.ocr_started_at.getTime()) / 1000;
      if (doneThisRun > 0 && elapsed > 0) secondsLeft = Math.ceil((elapsed / doneThisRun) * c.pending);
    }
    return { status: book.ocr_status, enabled: this.d.config.enabled, total, ...c, secondsLeft };
  }

  /** Everything the book page's OCR panel shows. */
  async panel(bookId: number): Promise<OcrPanel | null> {
    const progress = await this.progress(bookId);
    if (!progress) return null;
    const [problems, excluded] = await Promise.all([this.d.repo.problemPages(bookId), this.d.repo.excludedPages(bookId)]);
    return { progress, problems, excluded };
  }

  async enqueue(trx: Database, bookId: number, doneNow: number): Promise<void> {
    await this.d.repo.setBookStatus(bookId, 'queued', trx, { doneNow });
    await this.enqueueJob(trx, bookId);
  }

  /** One job per book at a time; the key names the first pending page, so a continuation never collides with its parent. */
  async enqueueJob(trx: Database, bookId: number): Promise<void> {
    const [first] = await this.d.repo.pendingPages(bookId, 1);
    await this.d.jobs.enqueue(
      OCR_JOB,
      { bookId },
      { priority: OCR_PRIORITY, dedupeKey: `ocr:${bookId}:${first?.pageNumber ?? 0}`, maxAttempts: 10 },
      trx,
    );
  }
}

/** "3, 5-7" → [3, 5, 6, 7]; null when the text is not a list of pages within 1..pageCount. */
export function parsePageList(text: string, pageCount: number): number[] | null {
  const pages = new Set<number>();
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  if (parts.length === 0) return null;
  for (const part of parts) {
    const m = /^(\d{1,6})(?:[-–](\d{1,6}))?$/.exec(part);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (from < 1 || to < from || to > pageCount || to - from > 10_000) return null;
    for (let p = from; p <= to; p++) pages.add(p);
  }
  return [...pages].sort((a, b) => a - b);
}
