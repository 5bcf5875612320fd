import type pg from 'pg';
import type { Config } from './config/config.ts';
import { createDatabase, createPool, type Database } from './db/database.ts';
import { LoginLimiter, type LoginLimits } from './features/auth/login-limiter.ts';
import { UsersRepository } from './features/auth/users.repository.ts';
import { UsersService } from './features/auth/users.service.ts';
import { LibrariesRepository } from './features/libraries/libraries.repository.ts';
import { LibrariesService } from './features/libraries/libraries.service.ts';
import { ShelvesRepository } from './features/libraries/shelves.repository.ts';
import { ShelvesService } from './features/libraries/shelves.service.ts';
import { CitySearchService } from './features/libraries/city-search.service.ts';
import { createCatalogue, type CatalogueRepos, type CatalogueServices } from './features/catalogue/catalogue.module.ts';
import { createConsentServices, type ConsentServices } from './features/consent/consent.module.ts';
import { consentManifestExtension } from './features/consent/import-columns.ts';
import { PublicRepository } from './features/public/public.repository.ts';
import { PublicSiteService } from './features/public/public.service.ts';
import { ReaderService } from './features/reader/reader.service.ts';
import { BookRequestsRepository } from './features/requests/book-requests.repository.ts';
import { BookRequestsService, type RequestLimits } from './features/requests/book-requests.service.ts';
import { SearchQueryService } from './features/search/search-query.ts';
import { ShelfVisibility } from './features/search/visible-books.ts';
import { PagePreviews } from './features/reader/page-preview.ts';
import { PagePictures } from './features/reader/page-pictures.ts';
import { queuePrerender } from './features/reader/page-prerender.ts';
import type { BookEvents, PublishGate } from './features/catalogue/books/publish-gate.ts';
import type { EventsOptions } from './features/stats/events.service.ts';
import { createOcrServices, type OcrServices } from './features/ocr/ocr.module.ts';
import type { OcrRepository } from './features/ocr/ocr.repository.ts';
import { ZipImportService } from './features/catalogue/ingest/zip-import.service.ts';
import { createLocationsAndStats, type LocationsStatsRepos, type LocationsStatsServices } from './features/stats/stats.wiring.ts';
import { systemClock, type Clock } from './infra/clock.ts';
import { JobRunner } from './infra/jobs/job-runner.ts';
import { JobsRepository } from './infra/jobs/jobs.repository.ts';
import type { Logger } from './infra/logger.ts';
import type { SearchClient } from './infra/search-client.ts';
import { Storage } from './infra/storage.ts';

/** Everything a request or a job needs, built once at start from the Config. */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  pool: pg.Pool;
  db: Database;
  search: SearchClient;
  storage: Storage;
  sessionSecret: string;
  jobs: JobRunner;
  repos: {
    users: UsersRepository;
    libraries: LibrariesRepository;
    jobs: JobsRepository;
    publicBooks: PublicRepository;
    ocr: OcrRepository;
  } & LocationsStatsRepos &
    CatalogueRepos;
  services: {
    users: UsersService;
    libraries: LibrariesService;
    /** The shared catalogue (issue 17, item 4): shelving other libraries' books. */
    shelves: ShelvesService;
    publicSite: PublicSiteService;
    searchQuery: SearchQueryService;
    /** Search across every shelf of the city (`/thanh-pho/tim-kiem`). */
    citySearch: CitySearchService;
    bookRequests: BookRequestsService;
    reader: ReaderService;
    pagePreviews: PagePreviews;
    pagePictures: PagePictures;
    /** Consent's rules, unless ContextDeps.publishGate replaced them. */
    publishGate: PublishGate;
    /** ZIP imports (the admin form and their durable job). */
    zipImports: ZipImportService;
  } & LocationsStatsServices &
    Omit<ConsentServices, 'publishGate'> &
    CatalogueServices &
    OcrServices;
  /** Closes what the context opened (database pool); stopping child servers is main's job. */
  close(): Promise<void>;
}

export interface ContextDeps {
  config: Config;
  log: Logger;
  databaseUrl: string;
  search: SearchClient;
  sessionSecret: string;
  clock?: Clock;
  loginLimits?: LoginLimits;
  /** Readers' book suggestions per address and window (tests lower it). */
  requestLimits?: RequestLimits;
  jobs?: { leaseMs?: number; backoffBaseMs?: number };
  /** Statistics events buffer (flush interval…); tests and benchmarks tune it. */
  events?: Partial<EventsOptions>;
  /**
   * Replaces the consent feature's publishing rules for the catalogue and the reader site (tests of
   * other features, benchmarks); consent's own services keep the real gate.
   */
  publishGate?: PublishGate;
}

export function createContext(deps: ContextDeps): AppContext {
  const { config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const pool = createPool(deps.databaseUrl, 20);
  pool.on('error', (err) => log.error({ err }, 'idle database connection failed'));
  const db = createDatabase(pool);
  const jobsRepo = new JobsRepository(db);
  const storage = new Storage(config.storageDir);
  // Catalogue: books, categories, upload/ingest, search indexing; the gate and audit hook come from consent.
  const catalogue = createCatalogue({
    config,
    db,
    clock,
    log,
    storage,
    search: deps.search,
    jobsRepo,
    jobs: () => jobs,
    gate: () => services.publishGate,
    events: () => bookEvents,
  });
  const ocr = createOcrServices({
    db,
    jobs: jobsRepo,
    wake: () => jobs.wake(),
    indexer: catalogue.services.searchIndexer,
    clock,
    config: config.ocr,
  });
  const locationsStats = createLocationsAndStats({ db, jobs: jobsRepo, clock, log, events: deps.events });
  const repos = {
    users: new UsersRepository(db),
    libraries: new LibrariesRepository(db),
    jobs: jobsRepo,
    publicBooks: new PublicRepository(db),
    ocr: ocr.repo,
    ...locationsStats.repos,
    ...catalogue.repos,
  };
  const jobs = new JobRunner(repos.jobs, log.child({ component: 'jobs' }), {
    concurrency: config.jobs.concurrency,
    pollMs: config.jobs.pollMs,
    ...deps.jobs,
  });
  // Consent: publish gate, audit (bookEvents), takedowns; it withdraws books through the catalogue's BooksService.
  const consent = createConsentServices({
    db,
    clock,
    storageDir: config.storageDir,
    log,
    jobs: jobsRepo,
    books: () => catalogue.services.books,
    checkPdf: (file) => catalogue.services.pdf.get().validate(file),
    rightsChanged: (bookId, trx) => services.shelves.rightsChanged(bookId, trx),
  });
  // Search hits are checked against the database's published books, remembered for ≤ 1 s (see visible-books.ts).
  const visibleBooks = new ShelfVisibility((libraryId, ids) => repos.publicBooks.publishedIds(libraryId, ids));
  const searchQuery = new SearchQueryService(deps.search, visibleBooks);
  const shelves = new ShelvesService({
    db,
    repo: new ShelvesRepository(db),
    audit: consent.audit,
    indexer: catalogue.services.searchIndexer,
    clock,
    wake: () => jobs.wake(),
  });
  const services = {
    users: new UsersService(
      repos.users,
      new LoginLimiter(pool, () => locationsStats.services.dailySalts.todays(), deps.loginLimits),
      clock,
    ),
    libraries: new LibrariesService(repos.libraries, clock, config.libraryHosts, storage),
    shelves,
    publicSite: new PublicSiteService(repos.publicBooks, consent.consentWithdrawals),
    searchQuery,
    citySearch: new CitySearchService({ searchQuery, holdersOfPublished: (ids) => shelves.holdersOfPublished(ids) }),
    bookRequests: new BookRequestsService(
      db,
      new BookRequestsRepository(db),
      clock,
      pool,
      () => locationsStats.services.dailySalts.todays(),
      deps.requestLimits,
    ),
    reader: new ReaderService(repos.publicBooks, clock),
    pagePreviews: new PagePreviews({ storage, pdf: () => catalogue.services.pdf.get(), log }),
    pagePictures: new PagePictures({ storage, pdf: () => catalogue.services.pdf.get(), log, maxBytes: config.pageCache.maxBytes }),
    ...locationsStats.services,
    ...consent,
    publishGate: deps.publishGate ?? consent.publishGate,
    ...catalogue.services,
    ocr: ocr.ocr,
    ocrEngine: ocr.ocrEngine,
    // Imports work through the whole context (intake, manifest extensions, job queue): built on first use, once it exists.
    get zipImports(): ZipImportService {
      return (zipImports ??= new ZipImportService(context));
    },
  };
  // A book that stops being public (withdrawn, back to draft, deleted) loses its page pictures; this
  // instance's searches ask the database about it again at once.
  const bookEvents: BookEvents = {
    onStatusChange: async (change, db) => {
      visibleBooks.forget(change.bookId);
      await services.bookEvents.onStatusChange(change);
      // Published: its pages are rendered ahead, in the background (queued in the same transaction).
      if (change.to === 'published') await queuePrerender(jobsRepo, change.bookId, db);
      if (change.to !== 'published') {
        void services.pagePictures.removeBook(change.bookId).catch((err: unknown) => log.warn({ err }, 'page pictures not removed'));
      }
    },
  };
  // The import manifest's consent columns (basis, rights_holder, consent_date…): catalogue's extension hook.
  services.manifestExtensions.push(consentManifestExtension);
  let zipImports: ZipImportService | undefined;
  const context: AppContext = {
    config,
    log,
    clock,
    pool,
    db,
    search: deps.search,
    storage,
    sessionSecret: deps.sessionSecret,
    jobs,
    repos,
    services,
    close: async () => {
      await services.events.close(); // buffered statistics events are written before the pool closes
      await services.searchIndexer.stopCatchUp();
      await services.pdf.close(); // PDF worker threads
      await services.ocrEngine.close(); // tesseract.js worker threads
      await db.destroy(); // also ends the pool
    },
  };
  return context;
}
