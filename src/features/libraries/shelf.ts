import { sql, type RawBuilder } from 'kysely';

/** Column references of a books row in a query (the table may be aliased: `b.id`, `b.library_id`). */
export interface BookRefs {
  id: string;
  libraryId: string;
}

const BOOKS: BookRefs = { id: 'books.id', libraryId: 'books.library_id' };

/**
 * THE visibility rule of the city platform, in one place: is this book on library L's shelf?
 * Callers add "and published" where readers are concerned. Today a shelf holds the books the
 * library owns; the shared catalogue (0015) extends this with books other libraries published
 * that L put on its shelf where the consent scope allows (library_shelves).
 */
export function onShelf(libraryId: number, book: BookRefs = BOOKS): RawBuilder<boolean> {
  return sql<boolean>`(${sql.ref(book.libraryId)} = ${libraryId})`;
}
