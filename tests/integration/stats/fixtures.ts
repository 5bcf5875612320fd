import type { AppContext } from '../../../src/context.ts';
import { ensureSearchIndexes } from '../../../src/features/search/search-settings.ts';
import { createBook, pagesWith } from '../../helpers/books.ts';

/** Browser-like user agents (a phone, a desktop) and a link-preview bot. */
export const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
export const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
export const ZALO_BOT_UA = 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)';
export const GOOGLE_BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

/** A published, indexed book (the reader-site fixture helper: catalogue tables + Meilisearch). */
export async function insertPublishedBook(ctx: AppContext, title: string, categorySlug?: string): Promise<number> {
  const book = await createBook(ctx, {
    title,
    categories: categorySlug ? [categorySlug] : [],
    pages: pagesWith(3, { 1: `${title} — trang đầu` }),
  });
  return book.id;
}

/**
 * Search needs its indexes, and (Meilisearch) a first indexed document before `text` is
 * searchable: a search on an empty library currently answers 500 (reported to the reader site).
 */
export async function prepareSearch(ctx: AppContext): Promise<void> {
  await ensureSearchIndexes(ctx.search);
  await createBook(ctx, { title: 'Sổ tay đoàn viên', pages: pagesWith(2) });
}

/** Writes buffered events and folds them into the rollups, as the job would. */
export async function rollUp(ctx: AppContext): Promise<void> {
  await ctx.services.events.flush();
  await ctx.services.rollup.run();
}

export async function eventRows(ctx: AppContext) {
  await ctx.services.events.flush();
  return ctx.db.selectFrom('stats_events').selectAll().orderBy('id').execute();
}
