import type { AppContext } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import { AppError } from '../../http/errors.ts';
import type { PictureWidth } from './page-pictures.ts';

/**
 * Pictures rendered ahead, when a book is published: every page at phone width (first pages
 * first), so that the first reader of a page — often arriving by a passage link deep in the book,
 * on a slow phone — waits for bytes only, never for a render. Durable (a job in PostgreSQL:
 * restarts resume where the files stop, since pages already on disk are skipped), low priority
 * (the PDF pool runs it only when idle, one page at a time) and bounded: it stops once the cache
 * holds PRERENDER_SHARE of PAGE_CACHE_MB, leaving the rest to pages readers ask for.
 *
 * Several app instances may share the storage volume: the job runs on one of them, writes each
 * file to a temporary name and renames it, and asks the database after every page whether the
 * book is still public — a withdrawal made on another instance stops it within one page, and the
 * pictures it wrote are removed again.
 */
export const PRERENDER_JOB = 'reader.prerender-pages';
/** The phone width (a 360-px screen at 2×), the width most readers' browsers pick from srcset. */
export const PRERENDER_WIDTH: PictureWidth = 720;
/** Share of PAGE_CACHE_MB that rendering ahead may fill. */
export const PRERENDER_SHARE = 0.6;
/** After the transactions of other jobs (ingest, indexing: priority 100). */
const PRIORITY = 300;

/** Queues the pre-rendering of a book; call it inside the transaction that publishes the book. */
export async function queuePrerender(jobs: JobsRepository, bookId: number, db?: Database): Promise<void> {
  await jobs.enqueue(PRERENDER_JOB, { bookId }, { priority: PRIORITY, dedupeKey: `${PRERENDER_JOB}:${bookId}` }, db);
}

export interface PrerenderResult {
  pages: number;
  bytes: number;
  stopped: 'done' | 'not_public' | 'cache_full' | 'aborted';
}

/**
 * Renders the pages of a public book that are not on disk yet (all of them, or `pages`), in order.
 * `signal` ends it early (shutdown); the caller decides whether that is a retry.
 */
export async function prerenderBook(
  ctx: AppContext,
  bookId: number,
  options: { signal?: AbortSignal; pages?: number[] } = {},
): Promise<PrerenderResult> {
  const pictures = ctx.services.pagePictures;
  const book = await publicOrNull(ctx, bookId);
  if (!book) return { pages: 0, bytes: 0, stopped: 'not_public' };
  const count = ctx.services.reader.pageCount(book);
  const pages = options.pages ?? Array.from({ length: count }, (_, i) => i + 1);
  let done = 0;
  let bytes = 0;
  for (const page of pages) {
    if (options.signal?.aborted) return { pages: done, bytes, stopped: 'aborted' };
    if (!(await pictures.hasRoomFor(PRERENDER_SHARE))) return { pages: done, bytes, stopped: 'cache_full' };
    const written = await pictures.prepare(book.id, book.file.storageKey, page, PRERENDER_WIDTH).catch((err: unknown) => {
      // The stored page count can exceed the file's pages (re-ingest pending): nothing to render.
      if (err instanceof RangeError) return 0;
      throw err;
    });
    bytes += written;
    if (written > 0) done++;
    if (written > 0 && !(await publicOrNull(ctx, bookId))) {
      await pictures.removeBook(bookId); // withdrawn meanwhile (perhaps on another instance)
      return { pages: done, bytes, stopped: 'not_public' };
    }
  }
  return { pages: done, bytes, stopped: 'done' };
}

async function publicOrNull(ctx: AppContext, bookId: number) {
  try {
    return await ctx.services.publicSite.publicBookOfOwner(bookId);
  } catch (err) {
    if (err instanceof AppError && (err.status === 404 || err.status === 410)) return null;
    throw err;
  }
}

/** The books published before this job existed (or whose pictures were evicted): every library's, most read first. */
export const PRERENDER_LIBRARY_JOB = 'reader.prerender-library';
const LIBRARY_BATCH = 50;

export function registerReaderJobs(ctx: AppContext): void {
  ctx.jobs.register(PRERENDER_JOB, async (payload, { signal }) => {
    const result = await prerenderBook(ctx, Number(payload.bookId), { signal });
    // Shutting down: fail this attempt so the queue runs it again (pages on disk are skipped).
    if (result.stopped === 'aborted') throw new Error('page pre-rendering interrupted');
    logResult(ctx.log, Number(payload.bookId), result);
  });
  ctx.jobs.register(PRERENDER_LIBRARY_JOB, async (_payload, { signal }) => {
    for (let offset = 0; ; offset += LIBRARY_BATCH) {
      const books = await ctx.repos.publicBooks.allPublishedByOpens(LIBRARY_BATCH, offset);
      if (books.length === 0) return;
      for (const b of books) {
        const result = await prerenderBook(ctx, b.id, { signal });
        if (result.stopped === 'aborted') throw new Error('page pre-rendering interrupted');
        if (result.pages > 0 || result.stopped === 'cache_full') logResult(ctx.log, b.id, result);
        if (result.stopped === 'cache_full') return;
      }
    }
  });
}

/**
 * Queues the pass over the whole library (at start-up; once per queue thanks to its dedupe key,
 * whichever instance starts first). Pages already on disk cost a look-up each.
 */
export async function queueLibraryPrerender(ctx: AppContext): Promise<void> {
  await ctx.jobs.enqueue(PRERENDER_LIBRARY_JOB, {}, { priority: PRIORITY + 100, dedupeKey: PRERENDER_LIBRARY_JOB });
}

function logResult(log: Logger, bookId: number, r: PrerenderResult): void {
  const level = r.stopped === 'cache_full' ? 'warn' : 'info';
  log[level]({ bookId, pages: r.pages, bytes: r.bytes, stopped: r.stopped }, 'page pictures rendered ahead');
}
