import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { translator } from '../../http/i18n/index.ts';
import { sendJson } from '../../http/json-reply.ts';
import { requestLang } from '../../http/view-locals.ts';
import { currentLocation } from '../locations/location-context.ts';
import { recordEvent } from '../public/optional-services.ts';
import { publicLocals } from '../public/public.routes.ts';
import { warmPassagePictures } from '../reader/picture.routes.ts';
import { searchParamsSchema, type SearchParams, type SearchResults } from './search-query.ts';

const suggestSchema = z.object({ q: z.string().trim().max(100).catch('').default('') });

/**
 * Only the first page is a new search; later pages are the same demand. A search that finds no
 * book is "not found" for the statistics and a request for the leaders' list, whatever passages
 * it found: readers typing a title want the book. Filtered searches do not ask for a book. Searches
 * are not filtered by user agent: isbot also flags scripts and HTTP clients, crawlers do not submit
 * the search form, and the suggestion form (which people fill in) is where bots are refused.
 */
function recorder(ctx: AppContext) {
  return (req: Request, p: SearchParams, r: SearchResults) => {
    if (!p.q || p.page !== 1 || r.shape !== 'ok') return;
    recordEvent(ctx, { kind: 'search', query: p.q, resultCount: r.totalBooks }, req);
    if (r.totalBooks > 0 || p.category || p.language) return;
    ctx.services.bookRequests
      .recordSearch(req.library.id, p.q, currentLocation(req)?.code ?? null)
      .catch((err: unknown) => ctx.log.warn({ err }, 'book request not recorded'));
  };
}

/** The search page (works without JavaScript). */
export function searchRoutes(ctx: AppContext): Router {
  const router = Router();
  const search = ctx.services.searchQuery;
  const record = recorder(ctx);
  router.get('/tim-kiem', publicLocals, async (req, res) => {
    const params = searchParamsSchema.parse(req.query);
    const [results, categories] = await Promise.all([
      search.run(req.library.id, params),
      ctx.services.publicSite.categories(req.library.id),
    ]);
    record(req, params, results);
    warmPassagePictures(ctx, req, results.passages); // a tapped passage then opens without a render
    res.render('public/search', { results, categories, q: params.q });
  });
  return router;
}

/**
 * The search page's JSON twin and the as-you-type suggestions. They are anonymous GETs that read
 * no session, form body, CSRF token or visit cookie state, so app.ts mounts them before that
 * machinery (body parsers, the session store's cookie handling and hashing, view locals) and before
 * the streaming compression (sendJson gzips these few KB in one call), all of which only added
 * latency to every search (issue 12: the API must stay within 1.5× of Meilisearch's own time).
 * Their language comes straight from its cookie.
 */
export function searchApiRoutes(ctx: AppContext): Router {
  const router = Router();
  const search = ctx.services.searchQuery;
  const record = recorder(ctx);

  router.get('/api/search', async (req, res) => {
    req.lang = requestLang(ctx, req);
    const params = searchParamsSchema.parse(req.query);
    const r = await search.run(req.library.id, params);
    const t = translator(req.lang);
    res.set('Cache-Control', 'no-store');
    sendJson(req, res, {
      query: params,
      shape: r.shape,
      // A sentence for people when the query had nothing to search for (emoji, punctuation, one letter).
      ...(r.shape !== 'ok' ? { message: t(r.shape === 'too_short' ? 'search.tooShort' : 'search.noWords') } : {}),
      totalBooks: r.totalBooks,
      totalPassages: r.totalPassages,
      page: params.page,
      pageCount: r.pageCount,
      books: r.books.map(({ titleSegments: _t, ...b }) => b),
      passages: r.passages.map(({ segments: _s, ...p }) => p),
      nearest: r.nearest,
      facets: r.facets,
    });
    // After the reply is on its way: recording (a database write for a search with no book) and
    // warming the passage hits' page pictures are not the reader's wait.
    record(req, params, r);
    warmPassagePictures(ctx, req, r.passages);
  });

  router.get('/api/search/suggest', async (req, res) => {
    req.lang = requestLang(ctx, req);
    const { q } = suggestSchema.parse(req.query);
    const suggestions = await search.suggest(req.library.id, q);
    res.set('Cache-Control', 'public, max-age=60');
    sendJson(req, res, { suggestions });
  });
  return router;
}
