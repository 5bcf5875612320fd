import crypto from 'node:crypto';
import type { AppContext } from '../../../src/context.ts';
import { DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';

/**
 * Helpers for the catalogue's own tests. Publishing goes through BooksService.publish (the
 * real outbox); their contexts are built with the open publish gate (createTestEnv), because consent rules are tested
 * by the consent feature and would otherwise require rights holders for every book here.
 */

/** Runs queued jobs until none is due (a deterministic stand-in for the background runner). */
export async function drainJobs(ctx: AppContext, maxRounds = 200): Promise<void> {
  for (let i = 0; i < maxRounds; i++) {
    const claimed = await ctx.jobs.runDueJobs();
    await ctx.jobs.idle();
    if (claimed === 0) return;
  }
  throw new Error('jobs kept coming');
}

export interface SeedSpec {
  title: string;
  authors?: string[];
  categories?: string[];
  description?: string;
  pages: string[];
  tags?: string[];
  year?: number;
}

/**
 * A book as if it had been uploaded and ingested (rows only; the PDF is not needed to test the
 * search side), then published through the service so the outbox indexes it.
 */
export async function seedPublishedBook(ctx: AppContext, spec: SeedSpec, opts: { publish?: boolean } = {}): Promise<number> {
  const sha256 = crypto.createHash('sha256').update(`${spec.title}:${crypto.randomUUID()}`).digest('hex');
  const books = ctx.repos.books;
  const libraryId = (await ctx.services.libraries.defaultLibrary()).id;
  const id = await ctx.db.transaction().execute(async (trx) => {
    const draft = await books.insertDraft(trx, {
      libraryId,
      sha256,
      sizeBytes: 1,
      storageKey: `${sha256}.pdf`,
      originalName: `${spec.title}.pdf`,
      title: spec.title,
      createdBy: null,
      editedFields: [],
      description: spec.description,
      publicationYear: spec.year ?? null,
    });
    await books.setAuthors(trx, draft.id, spec.authors ?? []);
    const cats = await ctx.repos.categories.findByNamesOrSlugs(DEFAULT_LIBRARY_ID, spec.categories ?? []);
    await books.setCategories(
      trx,
      draft.id,
      cats.map((c) => c.id),
    );
    if (spec.tags) await books.updateMetadata(trx, draft.id, { tags: spec.tags });
    await books.saveExtraction(trx, draft.id, {
      pageCount: spec.pages.length,
      outline: [],
      pdfMetadata: {},
      needsOcr: false,
      legacyEncoding: null,
      textlessPages: [],
      legacyPages: [],
      at: ctx.clock.now(),
    });
    return draft.id;
  });
  await ctx.repos.bookPages.upsert(
    id,
    spec.pages.map((text, i) => ({ pageNumber: i + 1, text })),
  );
  if (opts.publish !== false) await ctx.services.books.publish(id, null);
  return id;
}

export async function searchBooks(ctx: AppContext, q: string, filter?: string): Promise<number[]> {
  const r = await ctx.search.client.index(ctx.search.indexName('books')).search(q, { filter, limit: 20 });
  return r.hits.map((h) => Number(h.id));
}

export async function searchPages(ctx: AppContext, q: string, filter?: string): Promise<Array<{ bookId: number; pageNumber: number }>> {
  const r = await ctx.search.client.index(ctx.search.indexName('pages')).search(q, { filter, limit: 20, attributesToSearchOn: ['text'] });
  return r.hits.map((h) => ({ bookId: Number(h.bookId), pageNumber: Number(h.pageNumber) }));
}

export async function countDocs(ctx: AppContext, index: 'books' | 'pages', filter: string): Promise<number> {
  const r = await ctx.search.client
    .index(ctx.search.indexName(index))
    .getDocuments({ filter, limit: 1 })
    .catch((err: unknown) => {
      if ((err as { cause?: { code?: string } }).cause?.code === 'index_not_found') return { total: 0 };
      throw err;
    });
  return r.total;
}
