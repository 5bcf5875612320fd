import { links } from '../public/public.service.ts';
import { segmentsToHtml, type Segment } from '../public/text.ts';
import type { CategoryLink } from './search-documents.ts';
import { containsPhrase, highlightSyllables, queryTerms } from './syllable-match.ts';

/**
 * Meilisearch hits as search-query.ts's queries return them, turned into what pages show. Shared
 * by one library's search and the city-wide search (src/features/libraries/city-search.*).
 */

export interface BookDoc {
  id: number;
  title: string;
  authors?: string[];
  authorSlugs?: string[];
  /** Every library's filings; a library shows its own (documents indexed before 0018 have none). */
  categoryLinks?: CategoryLink[];
  year?: number | null;
  language?: string;
  pageCount?: number | null;
  hasCover?: boolean;
  coverVersion?: number;
}

export interface PageDoc {
  bookId: number;
  pageNumber: number;
  title: string;
  text: string;
  display?: string;
}

export type Formatted<T> = T & { _formatted?: Partial<T> };

export interface PassageHit {
  bookId: number;
  bookTitle: string;
  pageNumber: number;
  segments: Segment[];
  snippetHtml: string;
  /** Addresses in the default library's form (`/doc/…`): the caller prefixes its library's base. */
  readerUrl: string;
  textUrl: string;
}

/** The snippet as printed; pages indexed before `display` existed fall back to the searchable text. */
export const snippetOf = (h: { _formatted?: Partial<PageDoc> }) => h._formatted?.display ?? h._formatted?.text ?? '';

/**
 * Passage hits with their marked snippets. Meilisearch scores word pairs one by one, so a page
 * where each pair is adjacent somewhere can tie with the page that has the whole phrase; among
 * the hits shown, the exact phrase goes first.
 */
export function toPassageHits(hits: Array<Formatted<PageDoc>>, q: string): PassageHit[] {
  const terms = queryTerms(q);
  const exactFirst = (h: Formatted<PageDoc>) => (containsPhrase(snippetOf(h), q) ? 0 : 1);
  return [...hits]
    .sort((a, b) => exactFirst(a) - exactFirst(b))
    .map((h) => {
      const segments = highlightSyllables(snippetOf(h), terms);
      return {
        bookId: h.bookId,
        bookTitle: h.title,
        pageNumber: h.pageNumber,
        segments,
        snippetHtml: segmentsToHtml(segments),
        readerUrl: links.reader(h.bookId, h.pageNumber, q),
        textUrl: links.textPage(h.bookId, h.pageNumber, q),
      };
    });
}

/** The categories library L filed the book under (never another library's: each has its own "lich-su"). */
export const categoriesIn = (libraryId: number, filed: CategoryLink[] = []) =>
  filed.filter((c) => c.libraryId === libraryId).map(({ name, slug }) => ({ name, slug }));
