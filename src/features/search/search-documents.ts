import type { Book } from '../../db/schema/catalogue.ts';

/** A published book as the public `books` index stores it (the reader site's search-query.ts reads these fields). */
export interface BookDocument {
  id: number;
  title: string;
  authors: string[];
  authorSlugs: string[];
  description: string;
  /** Every library's category names for the book: searchable words (a book filed under "Lịch sử" anywhere is about history). */
  categories: string[];
  /** `<libraryId>:<slug>` per filing (filterable, facet): each library filters and counts its OWN categories only. */
  categoryKeys: string[];
  /** The filings for hit cards (retrievable, not searchable): a library shows only its own entries. */
  categoryLinks: CategoryLink[];
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

/**
 * One library's category on a book. Since the shared catalogue (0015) a book owned by library A
 * can be on library B's shelf and each library files it under its own categories, so a bare slug
 * ("lich-su") says nothing: every library has one. Keys and links carry the library.
 */
export interface CategoryLink {
  libraryId: number;
  slug: string;
  name: string;
}

export const categoryKey = (libraryId: number, slug: string) => `${Math.trunc(libraryId)}:${slug}`;

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
  /** As the books index: the passage filter of one library's category. */
  categoryKeys: string[];
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
  /** Every library's filing of the book (the owner's and those of libraries that shelved it). */
  categories: Array<{ name: string; slug: string; libraryId: number }>;
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
    categories: [...new Set(categories.map((c) => c.name.normalize('NFC')))],
    categoryKeys: categories.map((c) => categoryKey(c.libraryId, c.slug)),
    categoryLinks: categories.map((c) => ({ libraryId: c.libraryId, slug: c.slug, name: c.name.normalize('NFC') })),
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
  const categoryKeys = entry.categories.map((c) => categoryKey(c.libraryId, c.slug));
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
      categoryKeys,
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
