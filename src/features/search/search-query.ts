import { z } from 'zod';
import type { MultiSearchQuery, MultiSearchResponse } from 'meilisearch';
import type { SearchClient } from '../../infra/search-client.ts';
import { links } from '../public/public.service.ts';
import { segmentsToHtml, type Segment } from '../public/text.ts';
import { highlightSyllables, queryTerms } from './syllable-match.ts';
import { BOOK_MATCH, PASSAGE_MATCH, queryShape, type QueryShape } from './search-precision.ts';
import { AppError } from '../../http/errors.ts';
import { ensureSearchIndexes } from './search-settings.ts';
import type { ShelfVisibility } from './visible-books.ts';
import { categoryKey } from './search-documents.ts';
import { categoriesIn, snippetOf, toPassageHits, type BookDoc, type Formatted, type PageDoc, type PassageHit } from './search-hits.ts';

/**
 * Queries for the readers' site: books and passages inside books, in ONE multi-search round trip
 * (the search page must stay within 1.5× of Meilisearch's own latency). The index documents
 * (search-documents.ts) and settings (search-settings.ts) belong to the catalogue; this file only reads them.
 */

export const SORTS = ['relevance', 'newest', 'title'] as const;
export type SortOrder = (typeof SORTS)[number];
export const BOOKS_PER_PAGE = 12;
export const PASSAGES_PER_PAGE = 6;

export const searchParamsSchema = z.object({
  // A pasted page of text is cut to its first 200 characters rather than silently ignored.
  q: z
    .string()
    .catch('')
    .default('')
    .transform((s) => s.trim().slice(0, 200).trim()),
  category: z
    .string()
    .regex(/^[a-z0-9-]{1,80}$/)
    .optional()
    .catch(undefined),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/)
    .optional()
    .catch(undefined),
  sort: z.enum(SORTS).catch('relevance').default('relevance'),
  page: z.coerce.number().int().min(1).max(500).catch(1).default(1),
});
export type SearchParams = z.infer<typeof searchParamsSchema>;

export interface BookHit {
  id: number;
  title: string;
  titleSegments: Segment[];
  authors: Array<{ name: string; slug: string }>;
  categories: Array<{ name: string; slug: string }>;
  year: number | null;
  language: string;
  pageCount: number | null;
  hasCover: boolean;
  coverVersion: number;
  url: string;
}

export type { PassageHit };

/** A title offered when nothing matched ("the nearest titles"), never counted as a result. */
export interface NearestBook {
  id: number;
  title: string;
  url: string;
  categories: Array<{ name: string; slug: string }>;
}

export interface SearchResults {
  params: SearchParams;
  /** 'ok': searched; 'too_short' / 'no_words': the query had nothing to search for (said plainly). */
  shape: QueryShape;
  nearest: NearestBook[];
  books: BookHit[];
  passages: PassageHit[];
  totalBooks: number;
  totalPassages: number;
  pageCount: number;
  facets: { categories: Record<string, number>; languages: Record<string, number> };
}

const BOOK_FIELDS = ['id', 'title', 'authors', 'authorSlugs', 'categoryLinks', 'year', 'language', 'pageCount', 'hasCover', 'coverVersion'];

function emptyResults(p: SearchParams): Omit<SearchResults, 'shape'> {
  const facets = { categories: {}, languages: {} };
  return { params: p, nearest: [], books: [], passages: [], totalBooks: 0, totalPassages: 0, pageCount: 1, facets };
}

const pair = (names: string[] = [], slugs: string[] = []) => names.map((name, i) => ({ name, slug: slugs[i] ?? '' }));

/** Of a facet distribution over every library's keys, library L's own counts by slug. */
function ownCategoryCounts(libraryId: number, dist: Record<string, number> = {}): Record<string, number> {
  const prefix = categoryKey(libraryId, '');
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(dist)) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = n;
  return out;
}

/** Pages of a search: enough for every book hit and every passage hit (passages capped at 500, as the pager). */
export const searchPageCount = (totalBooks: number, totalPassages: number) =>
  Math.max(1, Math.ceil(totalBooks / BOOKS_PER_PAGE), Math.ceil(Math.min(totalPassages, 500) / PASSAGES_PER_PAGE));

export class SearchQueryService {
  constructor(
    private readonly search: SearchClient,
    private readonly visibleBooks: ShelfVisibility,
  ) {}

  /**
   * The Meilisearch queries for a search, in one multi-search (exported so the benchmark and the
   * evaluation send exactly these): books, passages, and — on the first page — the nearest titles
   * to offer when no book matches. Precision comes from search-precision.ts (tuned by eval:search).
   */
  buildQueries(p: SearchParams, libraryId: number | null, opts: { nearest?: boolean } = {}): MultiSearchQuery[] {
    // One library's search looks at its shelf only; the city-wide search (libraryId null) at every shelf.
    const filter: string[] = libraryId === null ? [] : [`library_ids = ${Math.trunc(libraryId)}`];
    // Values are validated by searchParamsSchema (slug/language patterns), so quoting is safe. A
    // category is one library's ("lich-su" of this library, not the owner's): the city has none.
    if (p.category && libraryId !== null) filter.push(`categoryKeys = "${categoryKey(libraryId, p.category)}"`);
    if (p.language) filter.push(`language = "${p.language}"`);
    const sort = p.sort === 'newest' ? ['publishedAt:desc'] : p.sort === 'title' ? ['title:asc'] : undefined;
    const searching = p.q !== '' && queryShape(p.q) === 'ok';
    const queries: MultiSearchQuery[] = [
      {
        indexUid: this.search.indexName('books'),
        q: searching ? p.q : '',
        filter,
        sort,
        page: p.page,
        hitsPerPage: BOOKS_PER_PAGE,
        // Every library's keys are counted; run() keeps this library's (see FACETING in search-settings.ts).
        facets: libraryId === null ? ['language'] : ['categoryKeys', 'language'],
        attributesToRetrieve: BOOK_FIELDS,
        ...(searching ? BOOK_MATCH : {}),
      },
    ];
    if (searching) {
      queries.push({
        indexUid: this.search.indexName('pages'),
        q: p.q,
        filter,
        limit: PASSAGES_PER_PAGE,
        offset: (p.page - 1) * PASSAGES_PER_PAGE,
        attributesToRetrieve: ['bookId', 'pageNumber', 'title'],
        attributesToCrop: ['display', 'text'],
        cropLength: 28,
        ...PASSAGE_MATCH,
      });
      if (p.page === 1 && opts.nearest !== false)
        queries.push({
          indexUid: this.search.indexName('books'),
          q: p.q,
          filter,
          limit: 3,
          matchingStrategy: 'last',
          attributesToRetrieve: ['id', 'title', 'categoryLinks'],
        });
    }
    return queries;
  }

  /**
   * Runs a Meilisearch call once the indexes exist with our settings: a library with no book yet
   * has no index, and filtering on an index without settings is an error, not "no results".
   * An unreachable search server becomes a 503 readers can understand instead of a 500.
   */
  private async query<T>(fn: () => Promise<T>): Promise<T> {
    try {
      await ensureSearchIndexes(this.search);
      return await fn();
    } catch (err) {
      throw new AppError(
        503,
        'search_unavailable',
        'search.unavailable',
        {},
        {},
        { headers: { 'Retry-After': '30', 'Cache-Control': 'no-store' } },
        { cause: err },
      );
    }
  }

  /** Sends queries made by buildQueries (the city-wide search's too) in one round trip. */
  multiSearch(queries: MultiSearchQuery[]): Promise<MultiSearchResponse> {
    return this.query(() => this.search.searcher.multiSearch({ queries }));
  }

  async run(libraryId: number, p: SearchParams): Promise<SearchResults> {
    const shape = p.q ? queryShape(p.q) : 'ok';
    if (shape !== 'ok') return { ...emptyResults(p), shape };
    const { results } = await this.multiSearch(this.buildQueries(p, libraryId));
    const [bookRes, pageRes, nearRes] = results;
    const bookHits = bookRes.hits as Array<Formatted<BookDoc>>;
    const pageHits = (pageRes?.hits ?? []) as Array<Formatted<PageDoc>>;
    const nearHits = (nearRes?.hits ?? []) as BookDoc[];
    // A withdrawal whose index delete is still queued must not show up (see visible-books.ts).
    const ids = [...bookHits.map((h) => h.id), ...pageHits.map((h) => h.bookId), ...nearHits.map((h) => h.id)];
    const visible = await this.visibleBooks.filter(libraryId, ids);
    const terms = queryTerms(p.q);
    const books: BookHit[] = bookHits
      .filter((h) => visible.has(h.id))
      .map((h) => ({
        id: h.id,
        title: h.title,
        titleSegments: highlightSyllables(h.title, terms),
        authors: pair(h.authors, h.authorSlugs),
        categories: categoriesIn(libraryId, h.categoryLinks),
        year: h.year ?? null,
        language: h.language ?? 'vi',
        pageCount: h.pageCount ?? null,
        hasCover: h.hasCover === true,
        coverVersion: h.coverVersion ?? 0,
        url: links.book(h),
      }));
    const passages = toPassageHits(pageHits, p.q).filter((h) => visible.has(h.bookId));
    const totalBooks = 'totalHits' in bookRes ? (bookRes.totalHits as number) : (bookRes.estimatedTotalHits ?? books.length);
    const totalPassages = pageRes ? (pageRes.estimatedTotalHits ?? passages.length) : 0;
    const dist = bookRes.facetDistribution ?? {};
    const nearest = totalBooks
      ? []
      : nearHits
          .filter((h) => visible.has(h.id))
          .map((h) => ({ id: h.id, title: h.title, url: links.book(h), categories: categoriesIn(libraryId, h.categoryLinks) }));
    return {
      params: p,
      shape,
      nearest,
      books,
      passages,
      totalBooks,
      totalPassages,
      pageCount: searchPageCount(totalBooks, totalPassages),
      facets: { categories: ownCategoryCounts(libraryId, dist.categoryKeys), languages: dist.language ?? {} },
    };
  }

  /** As-you-type suggestions: book titles (a single cheap query). */
  async suggest(libraryId: number, q: string): Promise<Array<{ id: number; title: string; url: string }>> {
    if (queryShape(q) !== 'ok') return [];
    const res = await this.query(() =>
      this.search.searcher.index(this.search.indexName('books')).search<BookDoc>(q, {
        limit: 8,
        filter: [`library_ids = ${Math.trunc(libraryId)}`],
        attributesToRetrieve: ['id', 'title'],
        ...BOOK_MATCH,
      }),
    );
    const visible = await this.visibleBooks.filter(
      libraryId,
      res.hits.map((h) => h.id),
    );
    return res.hits.filter((h) => visible.has(h.id)).map((h) => ({ id: h.id, title: h.title, url: links.book(h) }));
  }

  /** Hits inside one book, for the reader's search panel (page index: one document per page). */
  async inBook(bookId: number, q: string, limit = 50): Promise<Array<{ pageNumber: number; segments: Segment[]; snippetHtml: string }>> {
    if (queryShape(q) !== 'ok') return [];
    const res = await this.query(() =>
      this.search.searcher.index(this.search.indexName('pages')).search<PageDoc>(q, {
        filter: [`bookId = ${bookId}`],
        limit,
        attributesToRetrieve: ['pageNumber'],
        attributesToCrop: ['display', 'text'],
        cropLength: 24,
        ...PASSAGE_MATCH,
      }),
    );
    const terms = queryTerms(q);
    // In page order, as a reader leafs through the book (sorted here: pageNumber needs no sortable setting).
    return [...res.hits]
      .sort((a, b) => a.pageNumber - b.pageNumber)
      .map((h) => {
        const segments = highlightSyllables(snippetOf(h), terms);
        return { pageNumber: h.pageNumber, segments, snippetHtml: segmentsToHtml(segments) };
      });
  }
}
