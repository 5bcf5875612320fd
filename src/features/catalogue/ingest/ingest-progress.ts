import type { Book } from '../../../db/schema/catalogue.ts';
import type { Translate } from '../../../http/i18n/index.ts';

/** Where an extraction stands: pages done of the total, and an estimate of the time left. */
export interface IngestProgress {
  done: number;
  total: number | null;
  /** null until there is a rate to go by (a few pages and a few seconds in). */
  secondsLeft: number | null;
}

const MIN_PAGES = 3;
const MIN_ELAPSED_MS = 3000;

/**
 * Progress of a book's extraction as of `now`, or null when none runs. The rate is the average
 * since the start (pages differ a lot; a running average is steadier than the last batch).
 */
export function ingestProgress(
  book: Pick<Book, 'ingest_status' | 'ingest_progress' | 'ingest_total' | 'ingest_started_at'>,
  now: Date,
): IngestProgress | null {
  if (book.ingest_status !== 'extracting') return null;
  const done = book.ingest_progress;
  const total = book.ingest_total;
  let secondsLeft: number | null = null;
  if (total && book.ingest_started_at && done >= MIN_PAGES) {
    const elapsed = now.getTime() - book.ingest_started_at.getTime();
    if (elapsed >= MIN_ELAPSED_MS) secondsLeft = Math.max(0, Math.ceil(((total - done) * elapsed) / done / 1000));
  }
  return { done, total, secondsLeft };
}

/** "120 / 400 trang · còn khoảng 2 phút" (or "120 trang" before the total is known). */
export function ingestProgressText(p: IngestProgress | null, t: Translate): string {
  if (!p || (p.done === 0 && !p.total)) return '';
  const pages = p.total ? t('catalogue.book.progressOf', { n: p.done, total: p.total }) : t('catalogue.book.progress', { n: p.done });
  if (p.secondsLeft === null) return pages;
  const minutes = Math.ceil(p.secondsLeft / 60);
  const left =
    p.secondsLeft < 60
      ? t('catalogue.book.leftUnderMinute')
      : minutes < 60
        ? t('catalogue.book.leftMinutes', { n: minutes })
        : t('catalogue.book.leftHours', { h: Math.floor(minutes / 60), m: minutes % 60 });
  return `${pages} · ${left}`;
}
