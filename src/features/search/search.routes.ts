import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { recordEvent } from '../public/optional-services.ts';
import { publicLocals } from '../public/public.routes.ts';
import { searchParamsSchema } from './search-query.ts';

const suggestSchema = z.object({ q: z.string().trim().max(100).catch('').default('') });

/** The search page (works without JavaScript), its JSON twin and as-you-type suggestions. */
export function searchRoutes(ctx: AppContext): Router {
  const router = Router();
  const search = ctx.services.searchQuery;

  router.get('/tim-kiem', publicLocals, async (req, res) => {
    const params = searchParamsSchema.parse(req.query);
    const [results, categories] = await Promise.all([search.run(params), ctx.services.publicSite.categories()]);
    // Only the first page is a new search; later pages are the same demand.
    if (params.q && params.page === 1)
      recordEvent(ctx, { kind: 'search', query: params.q, resultCount: results.totalBooks + results.totalPassages }, req);
    res.render('public/search', { results, categories, q: params.q });
  });

  router.get('/api/search', async (req, res) => {
    const params = searchParamsSchema.parse(req.query);
    const r = await search.run(params);
    if (params.q && params.page === 1)
      recordEvent(ctx, { kind: 'search', query: params.q, resultCount: r.totalBooks + r.totalPassages }, req);
    res.set('Cache-Control', 'no-store').json({
      query: params,
      totalBooks: r.totalBooks,
      totalPassages: r.totalPassages,
      page: params.page,
      pageCount: r.pageCount,
      books: r.books.map(({ titleSegments: _t, ...b }) => b),
      passages: r.passages.map(({ segments: _s, ...p }) => p),
      facets: r.facets,
    });
  });

  router.get('/api/search/suggest', async (req, res) => {
    const { q } = suggestSchema.parse(req.query);
    res.set('Cache-Control', 'public, max-age=60').json({ suggestions: await search.suggest(q) });
  });
  return router;
}
