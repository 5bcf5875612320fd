import type { Database } from '../../../db/database.ts';
import type { Book, BookStatus } from '../../../db/schema/catalogue.ts';
import { AppError, notFound } from '../../../http/errors.ts';
import type { Clock } from '../../../infra/clock.ts';
import type { JobWaker } from '../../../infra/jobs/job-runner.ts';
import type { JobsRepository } from '../../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../../infra/logger.ts';
import type { Storage } from '../../../infra/storage.ts';
import type { SearchIndexer } from '../../search/search-indexer.ts';
import type { BookListFilter, BooksRepository } from './books.repository.ts';
import { coverKeys, saveCovers, type CoverImage } from './covers.ts';
import { INGEST_JOB } from '../ingest/ingest.job.ts';
import { PublishBlocked, type BookEvents, type PublishGate } from './publish-gate.ts';

/** Who acts: a signed-in staff member, or null for the system (import CLI, consent expiry). */
export type Actor = { id: number } | null;

export interface MetadataInput {
  title: string;
  authors: string[];
  description: string;
  language: string;
  publicationYear: number | null;
  publisher: string | null;
  isbn: string | null;
  categoryIds: number[];
  tags: string[];
}

export const EDITABLE_FIELDS = [
  'title',
  'authors',
  'description',
  'language',
  'publication_year',
  'publisher',
  'isbn',
  'categories',
  'tags',
] as const;

interface Deps {
  db: Database;
  books: BooksRepository;
  jobsRepo: JobsRepository;
  jobs: JobWaker;
  indexer: SearchIndexer;
  storage: Storage;
  clock: Clock;
  log: Logger;
  /** Looked up on each call: the consent feature replaces the gate and adds the events hook in context.ts. */
  gate: () => PublishGate;
  events: () => BookEvents | undefined;
}

/**
 * Book rules: metadata, the draft → published → withdrawn life cycle (publishing asks the
 * PublishGate), deletion. Every state change is one transaction together with its search
 * outbox job, so the indexes can never miss a change.
 */
export class BooksService {
  constructor(private readonly d: Deps) {}

  async mustFind(id: number): Promise<Book> {
    const book = await this.d.books.findById(id);
    if (!book) throw notFound();
    return book;
  }

  /** The librarians' list: one page of books matching the filter, with the total. */
  list(filter: BookListFilter): ReturnType<BooksRepository['list']> {
    return this.d.books.list(filter);
  }

  /** A book with its file, authors and categories, for its staff page. */
  async details(id: number) {
    const book = await this.mustFind(id);
    const [file, authors, categories] = await Promise.all([
      this.d.books.findFile(book.file_id),
      this.d.books.authorsOf(id),
      this.d.books.categoriesOf(id),
    ]);
    return { book, file, authors, categories };
  }

  async updateMetadata(bookId: number, input: MetadataInput): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      const book = await this.d.books.lockById(bookId, trx);
      if (!book) throw notFound();
      await this.d.books.updateMetadata(trx, bookId, {
        title: input.title,
        description: input.description,
        language: input.language,
        publication_year: input.publicationYear,
        publisher: input.publisher,
        isbn: input.isbn,
        tags: input.tags,
        edited_fields: [...EDITABLE_FIELDS],
      });
      await this.d.books.setAuthors(trx, bookId, input.authors);
      await this.d.books.setCategories(trx, bookId, input.categoryIds);
      if (book.status === 'published') await this.d.indexer.enqueueSync(trx, [bookId]);
    });
    this.d.jobs.wake();
  }

  /**
   * Publishes a draft or withdrawn book once its text is extracted and the gate allows it. The gate
   * is asked inside the transaction that publishes, with the book row locked: a revocation or
   * expiry locks the same row, so one of them waits for the other and the gate never reads consent
   * that is being withdrawn at that moment. The audit row is part of the same transaction.
   */
  async publish(bookId: number, actor: Actor): Promise<void> {
    await this.changeStatus(bookId, 'published', actor, {
      allowed: (b) => b.ingest_status === 'indexed',
      refused: () => new AppError(409, 'not_ready', 'catalogue.publish.notReady'),
      gate: async (trx) => {
        const decision = await this.d.gate().check(bookId, trx);
        if (!decision.allowed) throw new PublishBlocked(decision.problems);
      },
    });
  }

  /**
   * Withdraws a published book: the transaction records it with an outbox job, then the book is
   * removed from both indexes right away (the job is the backup if Meilisearch is down).
   * Returns how long the removal took, or null when it was left to the outbox.
   */
  async withdraw(
    bookId: number,
    actor: Actor,
    reason?: string,
    /** More work for the same transaction (the consent feature's takedown record and audit row). */
    inTransaction?: (trx: Database) => Promise<void>,
  ): Promise<{ removedInMs: number | null }> {
    // Idempotent (the consent feature retries it): anything not published is already out of reach.
    if ((await this.mustFind(bookId)).status !== 'published') return { removedInMs: null };
    const from = await this.changeStatus(bookId, 'withdrawn', actor, {
      allowed: (b) => b.status === 'published',
      reason,
      also: inTransaction,
    });
    if (!from) return { removedInMs: null };
    return { removedInMs: await this.removeFromIndexesNow(bookId) };
  }

  /** A withdrawn book goes back to draft (e.g. to fix it before publishing again). */
  async backToDraft(bookId: number, actor: Actor): Promise<void> {
    await this.changeStatus(bookId, 'draft', actor, { allowed: (b) => b.status === 'withdrawn' });
  }

  /** Deletes a book that is not published: its rows, PDF, covers and index entries. */
  async delete(bookId: number, actor: Actor): Promise<void> {
    const deleted = await this.d.db.transaction().execute(async (trx) => {
      const book = await this.d.books.lockById(bookId, trx);
      if (!book) throw notFound();
      if (book.status === 'published') throw new AppError(409, 'published', 'catalogue.delete.published');
      const storageKey = await this.d.books.deleteWithFile(trx, book);
      await this.d.indexer.enqueueSync(trx, [bookId]); // removes index documents, if any linger
      await this.d.events()?.onStatusChange({ bookId, actorId: actor?.id ?? null, from: book.status, to: 'deleted' }, trx);
      return { book, storageKey };
    });
    this.d.jobs.wake();
    // Files go after the commit: a rolled-back delete must not lose the PDF.
    if (deleted.storageKey) await this.d.storage.remove('books', deleted.storageKey);
    await this.d.storage.remove('covers', coverKeys.folder(bookId));
    await this.removeFromIndexesNow(bookId);
  }

  /** Stores a librarian's cover (all sizes) and keeps it over re-ingests. */
  async replaceCover(bookId: number, images: CoverImage[]): Promise<void> {
    await this.mustFind(bookId);
    await saveCovers(this.d.storage, bookId, images);
    await this.d.db.transaction().execute(async (trx) => {
      const book = await this.d.books.lockById(bookId, trx);
      if (!book) throw notFound();
      await this.d.books.setCover(bookId, true, trx);
      if (book.status === 'published') await this.d.indexer.enqueueSync(trx, [bookId]);
    });
    this.d.jobs.wake();
  }

  /** Runs extraction again (after a failure, or a better pdf.js). Keeps metadata a person set. */
  async reingest(bookId: number): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      const book = await this.d.books.lockById(bookId, trx);
      if (!book) throw notFound();
      if (book.ingest_status === 'queued' || book.ingest_status === 'extracting') return;
      await this.d.books.setIngestState(bookId, { ingest_status: 'queued', ingest_error: null, ingest_progress: 0 }, trx);
      await this.d.jobsRepo.enqueue(INGEST_JOB, { bookId }, { dedupeKey: `ingest:${bookId}`, maxAttempts: 3 }, trx);
    });
    this.d.jobs.wake();
  }

  /**
   * Returns the previous status, or null when the book already had status `to` (a repeated click).
   * The change, its search outbox job and its audit row (the consent feature's BookEvents) are one
   * transaction, with the book row locked from the first read.
   */
  private async changeStatus(
    bookId: number,
    to: BookStatus,
    actor: Actor,
    rule: {
      allowed: (b: Book) => boolean;
      refused?: () => AppError;
      gate?: (trx: Database) => Promise<void>;
      reason?: string;
      also?: (trx: Database) => Promise<void>;
    },
  ): Promise<BookStatus | null> {
    const from = await this.d.db.transaction().execute(async (trx) => {
      const book = await this.d.books.lockById(bookId, trx);
      if (!book) throw notFound();
      if (book.status === to) return null;
      if (!rule.allowed(book)) throw rule.refused?.() ?? new AppError(409, 'bad_transition', 'catalogue.status.notAllowed');
      await rule.gate?.(trx);
      await this.d.books.setStatus(trx, bookId, to, this.d.clock.now());
      await this.d.indexer.enqueueSync(trx, [bookId]);
      await this.d.events()?.onStatusChange({ bookId, actorId: actor?.id ?? null, from: book.status, to, reason: rule.reason }, trx);
      await rule.also?.(trx);
      return book.status;
    });
    this.d.jobs.wake();
    return from;
  }

  private async removeFromIndexesNow(bookId: number): Promise<number | null> {
    try {
      const book = await this.d.books.findById(bookId);
      const ms = await this.d.indexer.removeNow(bookId);
      if (book && book.status !== 'published') await this.d.books.clearIndexPending(bookId, book.search_revision, this.d.clock.now());
      this.d.log.info({ bookId, ms }, 'book removed from the search indexes');
      return ms;
    } catch (err) {
      this.d.log.warn({ err, bookId }, 'could not remove the book from the search indexes now; the outbox job will');
      return null;
    }
  }
}
