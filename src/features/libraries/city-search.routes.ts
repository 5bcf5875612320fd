import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { slugify } from '../catalogue/catalogue-text.ts';
import { BOOK_MATCH, queryShape } from '../search/search-precision.ts';
import { parseInput } from '../../http/validation.ts';
import { libraryBase } from './library-context.ts';

const querySchema = z.object({ q: z.string().trim().max(200).catch('').default('') });
const LIMIT = 40;

export interface CityHit {
  id: number;
  title: string;
  authors: string[];
  /** Every library whose shelf holds the book, each with the book's address in that library. */
  holders: Array<{ name: string; url: string }>;
}

/**
 * City-wide search (`/thanh-pho/tim-kiem?q=…`, public, no library in the address): the books
 * index without a library_ids filter, so every shelf of the city; each hit names the libraries
 * holding it (owner and shelving libraries, by the onShelf rule) and links into each of them.
 * Titles, authors, categories and descriptions are searched (not page text).
 */
export function citySearchRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/thanh-pho/tim-kiem', async (req, res) => {
    const { q } = parseInput(querySchema, req.query);
    let hits: CityHit[] = [];
    if (q && queryShape(q) === 'ok') {
      const found = await ctx.search.client
        .index(ctx.search.indexName('books'))
        .search<{ id: number; title: string; authors: string[] }>(q, {
          limit: LIMIT,
          attributesToRetrieve: ['id', 'title', 'authors'],
          ...BOOK_MATCH,
        });
      const holders = await ctx.services.shelves.holdersOfPublished(found.hits.map((h) => h.id));
      hits = found.hits.flatMap((h) => {
        const held = holders.get(h.id);
        if (!held?.length) return [];
        const path = `/sach/${h.id}-${slugify(h.title) || 'sach'}`;
        return [{ id: h.id, title: h.title, authors: h.authors, holders: held.map((l) => ({ name: l.name, url: libraryBase(l) + path })) }];
      });
    }
    res.setHeader('Cache-Control', 'no-cache');
    if (req.accepts(['html', 'json']) === 'json') return void res.json({ q, hits });
    res.render('libraries/city-search', { q, hits });
  });
  return router;
}
