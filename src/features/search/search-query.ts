import { z } from 'zod';
import type { MultiSearchQuery } from 'meilisearch';
import type { SearchClient } from '../../infra/search-client.ts';
import { links } from '../public/public.service.ts';
import { segmentsToHtml, type Segment } from '../public/text.ts';
import { containsPhrase, highlightSyllables, queryTerms } from './syllable-match.ts';
import { BOOK_MATCH, PASSAGE_MATCH, queryShape, type QueryShape } from './search-precision.ts';
import { AppError } from '../../http/errors.ts';
import { ensureSearchIndexes } from './search-settings.ts';
import type { ShelfVisibility } from './visible-books.ts';

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

export interface PassageHit {
  bookId: number;
  bookTitle: string;
  pageNumber: number;
  segments: Segment[];
  snippetHtml: string;
  readerUrl: string;
  textUrl: string;
}

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

interface BookDoc {
  id: number;
  title: string;
  authors?: string[];
  authorSlugs?: string[];
  categories?: string[];
  categorySlugs?: string[];
  year?: number | null;
  language?: string;
  pageCount?: number | null;
  hasCover?: boolean;
  coverVersion?: number;
}

interface PageDoc {
  bookId: number;
  pageNumber: number;
  title: string;
  text: string;
  display?: string;
}

/** The snippet as printed; pages indexed before `display` existed fall back to the searchable text. */
const snippetOf = (h: { _formatted?: Partial<PageDoc> }) => h._formatted?.display ?? h._formatted?.text ?? '';

const BOOK_FIELDS = [
  'id',
  'title',
  'authors',
  'authorSlugs',
  'categories',
  'categorySlugs',
  'year',
  'language',
  'pageCount',
  'hasCover',
  'coverVersion',
];

function emptyResults(p: SearchParams): Omit<SearchResults, 'shape'> {
  const facets = { categories: {}, languages: {} };
  return { params: p, nearest: [], books: [], passages: [], totalBooks: 0, totalPassages: 0, pageCount: 1, facets };
}

const pair = (names: string[] = [], slugs: string[] = []) => names.map((name, i) => ({ name, slug: slugs[i] ?? '' }));

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
  buildQueries(p: SearchParams, libraryId: number | null): MultiSearchQuery[] {
    // One library's search looks at its shelf only; the city-wide search (libraryId null) at every shelf.
    const filter: string[] = libraryId === null ? [] : [`library_ids = ${Math.trunc(libraryId)}`];
    // Values are validated by searchParamsSchema (slug/language patterns), so quoting is safe.
    if (p.category) filter.push(`categorySlugs = "${p.category}"`);
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
        facets: ['categorySlugs', 'language'],
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
      if (p.page === 1)
        queries.push({
          indexUid: this.search.indexName('books'),
          q: p.q,
          filter,
          limit: 3,
          matchingStrategy: 'last',
          attributesToRetrieve: ['id', 'title', 'categories', 'categorySlugs'],
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

  async run(libraryId: number, p: SearchParams): Promise<SearchResults> {
    const shape = p.q ? queryShape(p.q) : 'ok';
    if (shape !== 'ok') return { ...emptyResults(p), shape };
    const { results } = await this.query(() => this.search.searcher.multiSearch({ queries: this.buildQueries(p, libraryId) }));
    const [bookRes, pageRes, nearRes] = results;
    const bookHits = bookRes.hits as Array<BookDoc & { _formatted?: Partial<BookDoc> }>;
    const pageHits = (pageRes?.hits ?? []) as Array<PageDoc & { _formatted?: Partial<PageDoc> }>;
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
        categories: pair(h.categories, h.categorySlugs),
        year: h.year ?? null,
        language: h.language ?? 'vi',
        pageCount: h.pageCount ?? null,
        hasCover: h.hasCover === true,
        coverVersion: h.coverVersion ?? 0,
        url: links.book(h),
      }));
    // Meilisearch scores word pairs one by one, so a page where each pair is adjacent somewhere can
    // tie with the page that has the whole phrase; among the hits shown, the exact phrase goes first.
    const exactFirst = (h: { _formatted?: Partial<PageDoc> }) => (containsPhrase(snippetOf(h), p.q) ? 0 : 1);
    const passages: PassageHit[] = [...pageHits]
      .sort((a, b) => exactFirst(a) - exactFirst(b))
      .filter((h) => visible.has(h.bookId))
      .map((h) => {
        const segments = highlightSyllables(snippetOf(h), terms);
        return {
          bookId: h.bookId,
          bookTitle: h.title,
          pageNumber: h.pageNumber,
          segments,
          snippetHtml: segmentsToHtml(segments),
          readerUrl: links.reader(h.bookId, h.pageNumber, p.q),
          textUrl: links.textPage(h.bookId, h.pageNumber, p.q),
        };
      });
    const totalBooks = 'totalHits' in bookRes ? (bookRes.totalHits as number) : (bookRes.estimatedTotalHits ?? books.length);
    const totalPassages = pageRes ? (pageRes.estimatedTotalHits ?? passages.length) : 0;
    const dist = bookRes.facetDistribution ?? {};
    const nearest = totalBooks
      ? []
      : nearHits
          .filter((h) => visible.has(h.id))
          .map((h) => ({ id: h.id, title: h.title, url: links.book(h), categories: pair(h.categories, h.categorySlugs) }));
    return {
      params: p,
      shape,
      nearest,
      books,
      passages,
      totalBooks,
      totalPassages,
      pageCount: Math.max(1, Math.ceil(totalBooks / BOOKS_PER_PAGE), Math.ceil(Math.min(totalPassages, 500) / PASSAGES_PER_PAGE)),
      facets: { categories: dist.categorySlugs ?? {}, languages: dist.language ?? {} },
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
