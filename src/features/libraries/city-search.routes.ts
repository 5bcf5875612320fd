import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { searchParamsSchema, type SearchParams } from '../search/search-query.ts';

const PATH = '/thanh-pho/tim-kiem';

/** The address of another page of the same search (q, language and sort kept; category has no meaning here). */
export function cityPageHref(p: SearchParams, page: number): string {
  const query = new URLSearchParams();
  query.set('q', p.q);
  if (p.language) query.set('language', p.language);
  if (p.sort !== 'relevance') query.set('sort', p.sort);
  if (page > 1) query.set('page', String(page));
  return `${PATH}?${query.toString()}`;
}

/**
 * City-wide search (`/thanh-pho/tim-kiem?q=…&page=…`, public, no library in the address): books
 * and passages of every shelf of the city, each hit naming the libraries that hold it, linked into
 * each (city-search.service.ts). Paged with plain links, so it works without JavaScript; the JSON
 * answer (Accept: application/json) carries the same paging.
 */
export function citySearchRoutes(ctx: AppContext): Router {
  const router = Router();
  const city = ctx.services.citySearch;
  router.get(PATH, async (req, res) => {
    const params = searchParamsSchema.parse(req.query);
    const r = await city.run(params);
    const p = r.params;
    res.setHeader('Cache-Control', 'no-cache');
    if (req.accepts(['html', 'json']) === 'json') {
      return void res.json({
        q: p.q,
        shape: r.shape,
        page: p.page,
        pageCount: r.pageCount,
        totalBooks: r.totalBooks,
        totalPassages: r.totalPassages,
        prev: p.q && p.page > 1 ? cityPageHref(p, Math.min(p.page - 1, r.pageCount)) : null,
        next: p.q && p.page < r.pageCount ? cityPageHref(p, p.page + 1) : null,
        hits: r.books.map(({ titleSegments: _t, ...b }) => b),
        passages: r.passages.map((g) => ({ ...g, passages: g.passages.map(({ segments: _s, ...h }) => h) })),
      });
    }
    // Past the last page (a bookmark, or books withdrawn since), "previous" leads to the last page.
    res.render('libraries/city-search', { results: r, pageHref: (n: number) => cityPageHref(p, Math.min(n, r.pageCount)) });
  });
  return router;
}
