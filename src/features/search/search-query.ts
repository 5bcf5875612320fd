import { z } from 'zod';
import type { MultiSearchQuery } from 'meilisearch';
import type { SearchClient } from '../../infra/search-client.ts';
import type { PublicRepository } from '../public/public.repository.ts';
import { links } from '../public/public.service.ts';
import { HL_POST, HL_PRE, markedSegments, segmentsToHtml, type Segment } from '../public/text.ts';
import { AppError } from '../../http/errors.ts';
import { ensureSearchIndexes } from './search-settings.ts';

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
  q: z.string().trim().max(200).catch('').default(''),
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

export interface SearchResults {
  params: SearchParams;
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
}

const pair = (names: string[] = [], slugs: string[] = []) => names.map((name, i) => ({ name, slug: slugs[i] ?? '' }));

export class SearchQueryService {
  constructor(
    private readonly search: SearchClient,
    private readonly books: PublicRepository,
  ) {}

  /** The two Meilisearch queries for a search (exported so the benchmark sends exactly these). */
  buildQueries(p: SearchParams): MultiSearchQuery[] {
    const filter: string[] = [];
    // Values are validated by searchParamsSchema (slug/language patterns), so quoting is safe.
    if (p.category) filter.push(`categorySlugs = "${p.category}"`);
    if (p.language) filter.push(`language = "${p.language}"`);
    const sort = p.sort === 'newest' ? ['publishedAt:desc'] : p.sort === 'title' ? ['title:asc'] : undefined;
    const highlight = { highlightPreTag: HL_PRE, highlightPostTag: HL_POST };
    const queries: MultiSearchQuery[] = [
      {
        indexUid: this.search.indexName('books'),
        q: p.q,
        filter,
        sort,
        page: p.page,
        hitsPerPage: BOOKS_PER_PAGE,
        facets: ['categorySlugs', 'language'],
        attributesToRetrieve: [
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
        ],
        attributesToHighlight: ['title'],
        ...highlight,
      },
    ];
    if (p.q) {
      queries.push({
        indexUid: this.search.indexName('pages'),
        q: p.q,
        filter,
        // A passage must contain every word (typos allowed): a page matching one common word is noise.
        matchingStrategy: 'all',
        limit: PASSAGES_PER_PAGE,
        offset: (p.page - 1) * PASSAGES_PER_PAGE,
        attributesToRetrieve: ['bookId', 'pageNumber', 'title'],
        attributesToCrop: ['text'],
        cropLength: 28,
        attributesToHighlight: ['text'],
        ...highlight,
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

  async run(p: SearchParams): Promise<SearchResults> {
    const { results } = await this.query(() => this.search.client.multiSearch({ queries: this.buildQueries(p) }));
    const [bookRes, pageRes] = results;
    const bookHits = bookRes.hits as Array<BookDoc & { _formatted?: Partial<BookDoc> }>;
    const pageHits = (pageRes?.hits ?? []) as Array<PageDoc & { _formatted?: Partial<PageDoc> }>;
    // The index should only hold published books; a withdrawal whose index delete is still queued
    // must not show up, so the ids are checked against the database (one indexed query).
    const visible = await this.books.publishedIds([...new Set([...bookHits.map((h) => h.id), ...pageHits.map((h) => h.bookId)])]);
    const books: BookHit[] = bookHits
      .filter((h) => visible.has(h.id))
      .map((h) => ({
        id: h.id,
        title: h.title,
        titleSegments: markedSegments(h._formatted?.title ?? h.title),
        authors: pair(h.authors, h.authorSlugs),
        categories: pair(h.categories, h.categorySlugs),
        year: h.year ?? null,
        language: h.language ?? 'vi',
        pageCount: h.pageCount ?? null,
        hasCover: h.hasCover === true,
        coverVersion: h.coverVersion ?? 0,
        url: links.book(h),
      }));
    const passages: PassageHit[] = pageHits
      .filter((h) => visible.has(h.bookId))
      .map((h) => {
        const segments = markedSegments(h._formatted?.text ?? '');
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
    return {
      params: p,
      books,
      passages,
      totalBooks,
      totalPassages,
      pageCount: Math.max(1, Math.ceil(totalBooks / BOOKS_PER_PAGE), Math.ceil(Math.min(totalPassages, 500) / PASSAGES_PER_PAGE)),
      facets: { categories: dist.categorySlugs ?? {}, languages: dist.language ?? {} },
    };
  }

  /** As-you-type suggestions: book titles (a single cheap query). */
  async suggest(q: string): Promise<Array<{ id: number; title: string; url: string }>> {
    if (!q.trim()) return [];
    const res = await this.query(() =>
      this.search.client.index(this.search.indexName('books')).search<BookDoc>(q, { limit: 8, attributesToRetrieve: ['id', 'title'] }),
    );
    const visible = await this.books.publishedIds(res.hits.map((h) => h.id));
    return res.hits.filter((h) => visible.has(h.id)).map((h) => ({ id: h.id, title: h.title, url: links.book(h) }));
  }

  /** Hits inside one book, for the reader's search panel (page index: one document per page). */
  async inBook(bookId: number, q: string, limit = 50): Promise<Array<{ pageNumber: number; segments: Segment[]; snippetHtml: string }>> {
    if (!q.trim()) return [];
    const res = await this.query(() =>
      this.search.client.index(this.search.indexName('pages')).search<PageDoc>(q, {
        filter: [`bookId = ${bookId}`],
        matchingStrategy: 'all',
        limit,
        attributesToRetrieve: ['pageNumber'],
        attributesToCrop: ['text'],
        cropLength: 24,
        attributesToHighlight: ['text'],
        highlightPreTag: HL_PRE,
        highlightPostTag: HL_POST,
      }),
    );
    // In page order, as a reader leafs through the book (sorted here: pageNumber needs no sortable setting).
    return [...res.hits]
      .sort((a, b) => a.pageNumber - b.pageNumber)
      .map((h) => {
        const segments = markedSegments(h._formatted?.text ?? '');
        return { pageNumber: h.pageNumber, segments, snippetHtml: segmentsToHtml(segments) };
      });
  }
}
