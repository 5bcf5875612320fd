import type { AppContext } from '../../context.ts';
import { SYNC_BOOK_JOB } from '../search/search-indexer.ts';
import { INGEST_JOB, ingestHandler } from './ingest/ingest.job.ts';
import { ZIP_IMPORT_JOB } from './ingest/zip-import.service.ts';

/**
 * The catalogue's background jobs: PDF ingest, ZIP imports and the search outbox. `search: false` leaves the
 * outbox to another process (the import CLI when it cannot reach Meilisearch: the server will).
 */
export function registerCatalogueJobs(ctx: AppContext, opts: { ingest?: boolean; search?: boolean } = {}): void {
  const s = ctx.services;
  if (opts.ingest !== false) {
    ctx.jobs.register(
      INGEST_JOB,
      ingestHandler({
        db: ctx.db,
        books: ctx.repos.books,
        pages: ctx.repos.bookPages,
        indexer: s.searchIndexer,
        storage: ctx.storage,
        pdf: () => s.pdf.get(),
        clock: ctx.clock,
        log: ctx.log.child({ component: 'ingest' }),
        ocr: s.ocr,
      }),
    );
  }
  if (opts.ingest !== false) {
    ctx.jobs.register(ZIP_IMPORT_JOB, (payload, { signal }) => s.zipImports.run(Number(payload.importId), signal));
  }
  if (opts.search !== false) {
    ctx.jobs.register(SYNC_BOOK_JOB, async (payload) => {
      await s.searchIndexer.syncBook(Number(payload.bookId));
    });
  }
}
