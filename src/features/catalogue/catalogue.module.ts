import type { Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobWaker } from '../../infra/jobs/job-runner.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import type { SearchClient } from '../../infra/search-client.ts';
import type { Storage } from '../../infra/storage.ts';
import { SearchIndexer } from '../search/search-indexer.ts';
import { BookPagesRepository } from './books/book-pages.repository.ts';
import { BooksRepository } from './books/books.repository.ts';
import { BooksService } from './books/books.service.ts';
import { CategoriesRepository } from './categories/categories.repository.ts';
import { CategoriesService } from './categories/categories.service.ts';
import { IntakeService } from './ingest/intake.service.ts';
import type { ManifestExtension } from './ingest/manifest.ts';
import type { PdfEngine } from '../../pdf/pdf-engine.ts';
import { createPdfEngine } from '../../pdf/pdf-engine-pool.ts';
import { openPublishGate, type BookEvents, type PublishGate } from './books/publish-gate.ts';

export interface CatalogueRepos {
  books: BooksRepository;
  bookPages: BookPagesRepository;
  categories: CategoriesRepository;
}

export interface CatalogueServices {
  books: BooksService;
  categories: CategoriesService;
  intake: IntakeService;
  searchIndexer: SearchIndexer;
  /** pdf.js in worker threads, started on first use. */
  pdf: PdfEngineHolder;
  /** Extra import-manifest columns other features accept (consent: rights holders…). */
  manifestExtensions: ManifestExtension[];
}

/** Starts the worker pool lazily: a CLI or test that never touches a PDF spawns no threads. */
export class PdfEngineHolder {
  private engine: PdfEngine | null = null;
  private closed = false;
  constructor(private readonly factory: () => PdfEngine) {}
  get(): PdfEngine {
    // Background work finishing after shutdown must not start a fresh pool of worker threads.
    if (this.closed) throw new Error('the PDF engine is closed (shutting down)');
    return (this.engine ??= this.factory());
  }
  async close(): Promise<void> {
    this.closed = true;
    const e = this.engine;
    this.engine = null;
    await e?.close();
  }
}

/**
 * Builds the catalogue for AppContext. The publish gate and the status-change hook are read
 * through getters on each use, because the consent feature provides them in the same context.
 */
export function createCatalogue(deps: {
  config: Config;
  db: Database;
  clock: Clock;
  log: Logger;
  storage: Storage;
  search: SearchClient;
  jobsRepo: JobsRepository;
  jobs: () => JobWaker;
  gate: () => PublishGate | undefined;
  events: () => BookEvents | undefined;
}): { repos: CatalogueRepos; services: CatalogueServices } {
  const { db, clock, storage } = deps;
  const log = deps.log.child({ component: 'catalogue' });
  const repos: CatalogueRepos = {
    books: new BooksRepository(db),
    bookPages: new BookPagesRepository(db),
    categories: new CategoriesRepository(db),
  };
  const pdf = new PdfEngineHolder(() => createPdfEngine(log));
  const searchIndexer = new SearchIndexer({
    search: deps.search,
    books: repos.books,
    pages: repos.bookPages,
    jobs: deps.jobsRepo,
    clock,
    log: deps.log.child({ component: 'search-indexer' }),
  });
  // The runner is built after the services in context.ts; these wake it lazily.
  const jobs: JobWaker = { wake: () => deps.jobs().wake() };
  const books = new BooksService({
    db,
    books: repos.books,
    jobsRepo: deps.jobsRepo,
    jobs,
    indexer: searchIndexer,
    storage,
    clock,
    log,
    gate: () => deps.gate() ?? openPublishGate,
    events: deps.events,
  });
  const intake = new IntakeService({
    db,
    books: repos.books,
    jobsRepo: deps.jobsRepo,
    jobs,
    storage,
    pdf: () => pdf.get(),
    log,
    maxBytes: deps.config.uploads.maxBytes,
  });
  const categories = new CategoriesService({ db, categories: repos.categories, indexer: searchIndexer, jobs });
  return { repos, services: { books, categories, intake, searchIndexer, pdf, manifestExtensions: [] } };
}
