import type { AppContext } from './context.ts';
import { registerCatalogueJobs } from './features/catalogue/catalogue.jobs.ts';
import { registerConsentJobs } from './features/consent/consent.jobs.ts';
import { registerOcrJobs } from './features/ocr/ocr.module.ts';
import { queueLibraryPrerender, registerReaderJobs } from './features/reader/page-prerender.ts';
import { registerStatsJobs } from './features/stats/stats.jobs.ts';

/**
 * Registers every background job handler. Features add theirs here (PDF ingest, search
 * indexing, consent expiry, statistics rollups) so that the server and CLIs run the same set.
 */
export async function registerJobHandlers(ctx: AppContext): Promise<void> {
  registerCatalogueJobs(ctx);
  await registerConsentJobs(ctx);
  await registerStatsJobs(ctx);
  registerOcrJobs(ctx);
  registerReaderJobs(ctx);
  await queueLibraryPrerender(ctx);
  void ctx;
}
