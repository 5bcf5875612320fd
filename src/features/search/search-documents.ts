import type { Book } from '../../db/schema/catalogue.ts';

/** A published book as the public `books` index stores it (the reader site's search-query.ts reads these fields). */
export interface BookDocument {
  id: number;
  title: string;
  authors: string[];
  authorSlugs: string[];
  description: string;
  categories: string[];
  categorySlugs: string[];
  tags: string[];
  year: number | null;
  language: string;
  publishedAt: number;
  pageCount: number;
  hasCover: boolean;
  coverVersion: number;
  needsOcr: boolean;
  /** The libraries whose shelf holds the book (filterable: a library's search filters on it, the city's does not). */
  library_ids: number[];
}

/** One page of a published book in the `pages` index. */
export interface PageDocument {
  id: string;
  bookId: number;
  pageNumber: number;
  /** The searchable words: the page text with punctuation turned into spaces (see searchableText). */
  text: string;
  /** The page text as printed, for snippets (stored, not searchable). */
  display: string;
  title: string;
  categorySlugs: string[];
  language: string;
  library_ids: number[];
}

/** What the indexer reads from PostgreSQL for one book. */
export interface BookForIndex {
  book: Pick<
    Book,
    | 'id'
    | 'title'
    | 'description'
    | 'language'
    | 'publication_year'
    | 'tags'
    | 'published_at'
    | 'page_count'
    | 'has_cover'
    | 'cover_version'
    | 'needs_ocr'
  >;
  authors: Array<{ name: string; slug: string }>;
  categories: Array<{ name: string; slug: string }>;
  /** Libraries whose shelf holds it (the owner; the shared catalogue adds those that shelved it). */
  libraryIds: number[];
}

export function toBookDocument({ book, authors, categories, libraryIds }: BookForIndex): BookDocument {
  return {
    id: book.id,
    title: book.title.normalize('NFC'),
    authors: authors.map((a) => a.name),
    authorSlugs: authors.map((a) => a.slug),
    description: book.description.normalize('NFC'),
    categories: categories.map((c) => c.name),
    categorySlugs: categories.map((c) => c.slug),
    tags: book.tags,
    year: book.publication_year,
    language: book.language,
    publishedAt: book.published_at ? book.published_at.getTime() : 0,
    pageCount: book.page_count ?? 0,
    hasCover: book.has_cover,
    coverVersion: book.cover_version,
    needsOcr: book.needs_ocr,
    library_ids: libraryIds,
  };
}

export const pageDocumentId = (bookId: number, pageNumber: number) => `${bookId}-${pageNumber}`;

/**
 * Page documents; pages without text are skipped (a scanned book stays findable through the
 * books index by its metadata). Text is NFC so composed and decomposed input match alike.
 */
export function toPageDocuments(entry: BookForIndex, pages: Array<{ page_number: number; text: string }>): PageDocument[] {
  const categorySlugs = entry.categories.map((c) => c.slug);
  const out: PageDocument[] = [];
  for (const p of pages) {
    const text = p.text.normalize('NFC').trim();
    if (!text) continue;
    out.push({
      id: pageDocumentId(entry.book.id, p.page_number),
      bookId: entry.book.id,
      pageNumber: p.page_number,
      text: searchableText(text),
      display: text,
      title: entry.book.title.normalize('NFC'),
      categorySlugs,
      language: entry.book.language,
      library_ids: entry.libraryIds,
    });
  }
  return out;
}

/**
 * Meilisearch treats punctuation as a hard separator: words on either side of a comma or full stop
 * count as far apart for proximity, so "nghe kể xong, chàng thiếu niên" would not be a phrase and
 * the passage filter (search-precision.ts) would drop it. The searchable copy keeps words and line
 * breaks only; readers see `display`.
 */
export function searchableText(text: string): string {
  return text.replace(/[^\p{L}\p{M}\p{N}\s]+/gu, ' ');
}
