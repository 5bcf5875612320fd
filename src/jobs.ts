import type { AppContext } from './context.ts';

/**
 * Registers every background job handler. Features add theirs here (PDF ingest, search
 * indexing, consent expiry, statistics rollups) so that the server and CLIs run the same set.
 */
export async function registerJobHandlers(ctx: AppContext): Promise<void> {
  void ctx;
}
