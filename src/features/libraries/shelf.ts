import { sql, type RawBuilder } from 'kysely';

/** Column references of a books row in a query (the table may be aliased: `b.id`, `b.library_id`). */
export interface BookRefs {
  id: string;
  libraryId: string;
}

const BOOKS: BookRefs = { id: 'books.id', libraryId: 'books.library_id' };

/**
 * May a library other than the owner show this book? Its rights must reach beyond the owner: a
 * public-domain or open-licence basis, or granted consents none of which is limited to the
 * recording library (scope 'library'). One holder who said "only this library" keeps it home.
 * Revoked and expired consents do not count: their takedown withdraws the book anyway.
 */
export function sharable(book: Pick<BookRefs, 'id'> = BOOKS): RawBuilder<boolean> {
  const id = sql.ref(book.id);
  return sql<boolean>`(
    coalesce((select r.basis from book_rights_basis r where r.book_id = ${id}), 'consent') <> 'consent'
    or (exists (select 1 from consent_records c where c.book_id = ${id} and c.status = 'granted')
        and not exists (select 1 from consent_records c where c.book_id = ${id} and c.status = 'granted' and c.scope = 'library'))
  )`;
}

/**
 * THE visibility rule of the city platform, in one place: is this book on library L's shelf?
 * Callers add "and published" where readers are concerned. A shelf holds the books the library
 * owns, and the books other libraries published that L put on its shelf (library_shelves) while
 * their consent scope allows sharing (0015). Evaluated at read time, so a revocation, expiry or
 * withdrawal takes the book off every shelf in the same transaction that records it.
 */
export function onShelf(libraryId: number, book: BookRefs = BOOKS): RawBuilder<boolean> {
  const id = sql.ref(book.id);
  return sql<boolean>`(${sql.ref(book.libraryId)} = ${libraryId} or (exists (
    select 1 from library_shelves s where s.library_id = ${libraryId} and s.book_id = ${id}
  ) and ${sharable(book)}))`;
}

/**
 * The libraries whose shelf holds the book (owner first), for search documents' library_ids.
 * The same rule as onShelf, turned around.
 */
export function shelfLibraryIdsSql(bookId: number): RawBuilder<{ library_id: number }> {
  const book: BookRefs = { id: 'b.id', libraryId: 'b.library_id' };
  return sql<{ library_id: number }>`
    select b.library_id from books b where b.id = ${bookId}
    union
    select s.library_id from library_shelves s join books b on b.id = s.book_id where s.book_id = ${bookId} and ${sharable(book)}`;
}
