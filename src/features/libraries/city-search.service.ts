import type { Segment } from '../public/text.ts';
import { links } from '../public/public.service.ts';
import { toPassageHits, type BookDoc, type Formatted, type PageDoc } from '../search/search-hits.ts';
import { queryShape, type QueryShape } from '../search/search-precision.ts';
import { searchPageCount, type SearchParams, type SearchQueryService } from '../search/search-query.ts';
import { highlightSyllables, queryTerms } from '../search/syllable-match.ts';
import { libraryBase } from './library-context.ts';
import type { Holder } from './shelves.repository.ts';

/** A library holding a hit, with the hit's address in that library. */
export interface CityHolder {
  name: string;
  url: string;
}

export interface CityBookHit {
  id: number;
  title: string;
  titleSegments: Segment[];
  authors: string[];
  /** Every library whose shelf holds the book now (owner first), each linked into that library. */
  holders: CityHolder[];
}

/** The passages of one book found on this page of results, grouped as one hit. */
export interface CityPassageGroup {
  bookId: number;
  bookTitle: string;
  holders: CityHolder[];
  passages: Array<{ pageNumber: number; segments: Segment[]; snippetHtml: string; readerUrl: string; textUrl: string }>;
}

export interface CityResults {
  params: SearchParams;
  shape: QueryShape;
  books: CityBookHit[];
  passages: CityPassageGroup[];
  /** Meilisearch's counts (estimated for passages), as one library's search reports them. */
  totalBooks: number;
  totalPassages: number;
  pageCount: number;
}

interface Deps {
  searchQuery: SearchQueryService;
  /** For each of these books, the libraries holding it — published books only (ShelvesService). */
  holdersOfPublished(bookIds: number[]): Promise<Map<number, Holder[]>>;
}

/**
 * City-wide search: one library's queries (search-query.ts buildQueries) without the library
 * filter, so every shelf of the city, books and passages, paged the same way. Every hit is checked
 * against PostgreSQL: a book withdrawn after Meilisearch answered has no holder and is left out of
 * this page, while the page numbers and totals stay Meilisearch's, so later pages do not shift.
 */
export class CitySearchService {
  constructor(private readonly d: Deps) {}

  async run(params: SearchParams): Promise<CityResults> {
    // Categories belong to libraries: the city has none to filter by.
    const p: SearchParams = { ...params, category: undefined };
    const empty = { params: p, books: [], passages: [], totalBooks: 0, totalPassages: 0, pageCount: 1 };
    if (!p.q) return { ...empty, shape: 'ok' };
    const shape = queryShape(p.q);
    if (shape !== 'ok') return { ...empty, shape };
    const { results } = await this.d.searchQuery.multiSearch(this.d.searchQuery.buildQueries(p, null, { nearest: false }));
    const [bookRes, pageRes] = results;
    const bookHits = bookRes.hits as Array<Formatted<BookDoc>>;
    const pageHits = (pageRes?.hits ?? []) as Array<Formatted<PageDoc>>;
    const held = await this.d.holdersOfPublished([...new Set([...bookHits.map((h) => h.id), ...pageHits.map((h) => h.bookId)])]);
    const holdersOf = (id: number, path: string): CityHolder[] =>
      (held.get(id) ?? []).map((l) => ({ name: l.name, url: libraryBase(l) + path }));
    const terms = queryTerms(p.q);
    const books = bookHits
      .filter((h) => held.get(h.id)?.length)
      .map((h) => ({
        id: h.id,
        title: h.title,
        titleSegments: highlightSyllables(h.title, terms),
        authors: h.authors ?? [],
        holders: holdersOf(h.id, links.book(h)),
      }));
    const groups = new Map<number, CityPassageGroup>();
    for (const hit of toPassageHits(pageHits, p.q)) {
      const holders = held.get(hit.bookId);
      if (!holders?.length) continue;
      // Passages open in the first library holding the book (its owner), like its book link.
      const base = libraryBase(holders[0]);
      let group = groups.get(hit.bookId);
      if (!group) {
        group = {
          bookId: hit.bookId,
          bookTitle: hit.bookTitle,
          holders: holdersOf(hit.bookId, links.book({ id: hit.bookId, title: hit.bookTitle })),
          passages: [],
        };
        groups.set(hit.bookId, group);
      }
      group.passages.push({
        pageNumber: hit.pageNumber,
        segments: hit.segments,
        snippetHtml: hit.snippetHtml,
        readerUrl: base + hit.readerUrl,
        textUrl: base + hit.textUrl,
      });
    }
    const totalBooks = 'totalHits' in bookRes ? (bookRes.totalHits as number) : (bookRes.estimatedTotalHits ?? books.length);
    const totalPassages = pageRes ? (pageRes.estimatedTotalHits ?? 0) : 0;
    return {
      params: p,
      shape,
      books,
      passages: [...groups.values()],
      totalBooks,
      totalPassages,
      pageCount: searchPageCount(totalBooks, totalPassages),
    };
  }
}
