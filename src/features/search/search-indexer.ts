import { MeilisearchApiError, type EnqueuedTaskPromise } from 'meilisearch';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import type { SearchClient } from '../../infra/search-client.ts';
import type { BookPagesRepository } from '../catalogue/books/book-pages.repository.ts';
import type { BooksRepository } from '../catalogue/books/books.repository.ts';
import { pageDocumentId, toBookDocument, toPageDocuments, type BookForIndex } from './search-documents.ts';
import { ensureIndex, ensureSearchIndexes, forgetEnsuredIndexes, waitOk } from './search-settings.ts';

export const SYNC_BOOK_JOB = 'search.sync-book';
const PAGE_BATCH = 250;

interface Deps {
  search: SearchClient;
  books: BooksRepository;
  pages: BookPagesRepository;
  jobs: JobsRepository;
  clock: Clock;
  log: Logger;
}

/**
 * Keeps the public `books` and `pages` indexes in step with PostgreSQL through an outbox:
 * every change marks the book `index_pending` and enqueues a sync job in the same transaction;
 * the job writes whatever the database says now (published → documents, otherwise none) and
 * clears the flag only for the revision it wrote. Meilisearch being down just delays the job;
 * the catch-up loop re-queues stragglers once it answers again.
 */
export class SearchIndexer {
  private timer: NodeJS.Timeout | null = null;
  private catchingUp: Promise<void> | null = null;

  constructor(private readonly d: Deps) {}

  private get booksIndex() {
    return this.d.search.client.index(this.d.search.indexName('books'));
  }
  private get pagesIndex() {
    return this.d.search.client.index(this.d.search.indexName('pages'));
  }

  /** Marks books pending and enqueues their sync, inside the caller's transaction. */
  async enqueueSync(trx: Database, bookIds: number[]): Promise<void> {
    await this.d.books.markIndexPending(trx, bookIds);
    for (const bookId of bookIds) {
      await this.d.jobs.enqueue(SYNC_BOOK_JOB, { bookId }, { dedupeKey: `search-book:${bookId}`, maxAttempts: 1000, priority: 50 }, trx);
    }
  }

  /** The outbox job: make both indexes say what PostgreSQL says about this book. */
  async syncBook(bookId: number): Promise<void> {
    try {
      await this.syncBookOnce(bookId);
    } catch (err) {
      // The index may have been deleted or recreated without settings: check again on the retry.
      forgetEnsuredIndexes(this.d.search);
      throw err;
    }
  }

  private async syncBookOnce(bookId: number): Promise<void> {
    await ensureSearchIndexes(this.d.search);
    for (let round = 0; round < 5; round++) {
      const book = await this.d.books.findById(bookId);
      if (!book) {
        await this.removeDocuments(bookId);
        return;
      }
      if (book.status === 'published') await this.writeDocuments(await this.loadForIndex(book.id, book));
      else await this.removeDocuments(bookId);
      // The book changed while we wrote: go round again with the newer state.
      if (await this.d.books.clearIndexPending(bookId, book.search_revision, this.d.clock.now())) return;
    }
    throw new Error(`book ${bookId} kept changing while it was being indexed`);
  }

  /**
   * Removes a book from both indexes now (withdraw, delete) and waits until Meilisearch has
   * applied it. Returns the milliseconds it took; throws if Meilisearch is unreachable (the
   * outbox job enqueued with the change then finishes the work).
   */
  async removeNow(bookId: number, timeoutMs = 30_000): Promise<number> {
    const started = performance.now();
    await ensureSearchIndexes(this.d.search);
    await this.removeDocuments(bookId, timeoutMs);
    return Math.round(performance.now() - started);
  }

  private async loadForIndex(bookId: number, book: BookForIndex['book']): Promise<BookForIndex> {
    const [authors, categories, libraryIds] = await Promise.all([
      this.d.books.authorsOf(bookId),
      this.d.books.categoriesOf(bookId),
      this.d.books.shelfLibraryIds(bookId),
    ]);
    return { book, authors, categories, libraryIds };
  }

  private async writeDocuments(entry: BookForIndex, into = { books: this.booksIndex, pages: this.pagesIndex }): Promise<void> {
    const tasks: EnqueuedTaskPromise[] = [];
    // Each task is awaited later; mark it handled now so a failure cannot go unhandled meanwhile.
    const track = (t: EnqueuedTaskPromise) => (t.catch(() => undefined), tasks.push(t));
    track(into.books.addDocuments([toBookDocument(entry)]));
    const emptyPages: string[] = [];
    let from = 1;
    for (;;) {
      const rows = await this.d.pages.range(entry.book.id, from, PAGE_BATCH);
      if (rows.length === 0) break;
      const docs = toPageDocuments(entry, rows);
      const kept = new Set(docs.map((d) => d.pageNumber));
      for (const r of rows) if (!kept.has(r.page_number)) emptyPages.push(pageDocumentId(entry.book.id, r.page_number));
      if (docs.length) track(into.pages.addDocuments(docs));
      from = rows[rows.length - 1].page_number + 1;
    }
    // Pages that no longer exist or lost their text must not linger from an earlier version.
    track(into.pages.deleteDocuments({ filter: `bookId = ${entry.book.id} AND pageNumber >= ${from}` }));
    if (emptyPages.length) track(into.pages.deleteDocuments(emptyPages));
    for (const t of tasks) await waitOk(t, 120_000);
  }

  private async removeDocuments(bookId: number, timeoutMs = 60_000): Promise<void> {
    const a = this.booksIndex.deleteDocument(bookId);
    const b = this.pagesIndex.deleteDocuments({ filter: `bookId = ${bookId}` });
    await Promise.all([waitOk(a, timeoutMs), waitOk(b, timeoutMs)]);
  }

  /**
   * Rebuilds both indexes from PostgreSQL into fresh indexes and swaps them in atomically,
   * so searches keep working (on the old data) until the new ones are complete.
   */
  async rebuild(onProgress?: (done: number, total: number | null) => void): Promise<{ books: number; pages: number }> {
    const { search } = this.d;
    await ensureIndex(search, search.indexName('books'), 'books');
    await ensureIndex(search, search.indexName('pages'), 'pages');
    const tmp = { books: search.indexName('books_rebuild'), pages: search.indexName('pages_rebuild') };
    for (const uid of Object.values(tmp)) await search.client.deleteIndexIfExists(uid);
    await ensureIndex(search, tmp.books, 'books');
    await ensureIndex(search, tmp.pages, 'pages');
    const into = { books: search.client.index(tmp.books), pages: search.client.index(tmp.pages) };
    const written: Array<{ id: number; revision: number }> = [];
    let pages = 0;
    let after = 0;
    for (;;) {
      const ids = await this.d.books.publishedIdsAfter(after, 100);
      if (ids.length === 0) break;
      for (const { id } of ids) {
        const book = await this.d.books.findById(id);
        if (!book || book.status !== 'published') continue;
        await this.writeDocuments(await this.loadForIndex(id, book), into);
        written.push({ id, revision: book.search_revision });
        pages += book.page_count ?? 0;
        onProgress?.(written.length, null);
      }
      after = ids[ids.length - 1].id;
    }
    await this.swap([
      [search.indexName('books'), tmp.books],
      [search.indexName('pages'), tmp.pages],
    ]);
    for (const uid of Object.values(tmp)) await search.client.deleteIndexIfExists(uid);
    const now = this.d.clock.now();
    for (const w of written) await this.d.books.clearIndexPending(w.id, w.revision, now);
    // Whatever changed during the rebuild (or is not published) is synced against the new indexes.
    for (const { id } of await this.d.books.indexPendingIds(100_000)) await this.syncBook(id);
    return { books: written.length, pages };
  }

  /**
   * Swaps index pairs and waits for it. A swap task belongs to no single index, so a key limited
   * to our prefix cannot read it back (404): then we wait for a task queued after it on each
   * live index instead (Meilisearch runs tasks in order) and check the swap took effect.
   */
  private async swap(pairs: Array<[live: string, fresh: string]>): Promise<void> {
    const { client } = this.d.search;
    const expected = await Promise.all(pairs.map(async ([, fresh]) => (await client.index(fresh).getStats()).numberOfDocuments));
    const task = client.swapIndexes(pairs.map(([a, b]) => ({ indexes: [a, b] as [string, string], rename: false })));
    try {
      await waitOk(task, 120_000);
      return;
    } catch (err) {
      if (!(err instanceof MeilisearchApiError) || err.response.status !== 404) throw err;
    }
    for (const [live] of pairs) await waitOk(client.index(live).deleteDocument('swap-barrier'), 120_000);
    for (const [i, [live]] of pairs.entries()) {
      const now = (await client.index(live).getStats()).numberOfDocuments;
      if (now !== expected[i]) throw new Error(`index swap of ${live} did not take effect`);
    }
  }

  /**
   * Once Meilisearch answers: jobs waiting out a backoff run now, and books still marked
   * pending without a queued job (e.g. a change that raced a finishing job) get one.
   */
  async catchUp(): Promise<{ expedited: number; enqueued: number }> {
    if (!(await this.d.search.isHealthy().catch(() => false))) return { expedited: 0, enqueued: 0 };
    const expedited = await this.d.jobs.expedite(SYNC_BOOK_JOB);
    let enqueued = 0;
    for (const { id } of await this.d.books.indexPendingIds(1000)) {
      const jobId = await this.d.jobs.enqueue(
        SYNC_BOOK_JOB,
        { bookId: id },
        { dedupeKey: `search-book:${id}`, maxAttempts: 1000, priority: 50 },
      );
      if (jobId !== null) enqueued++;
    }
    if (expedited || enqueued) this.d.log.info({ expedited, enqueued }, 'search index catching up');
    return { expedited, enqueued };
  }

  startCatchUp(intervalMs = 30_000, onEnqueued?: () => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.catchingUp) return;
      this.catchingUp = this.catchUp()
        .then((r) => {
          if (r.expedited || r.enqueued) onEnqueued?.();
        })
        .catch((err) => this.d.log.warn({ err }, 'search catch-up failed'))
        .finally(() => (this.catchingUp = null));
    }, intervalMs);
    this.timer.unref?.();
  }

  async stopCatchUp(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.catchingUp;
  }
}
