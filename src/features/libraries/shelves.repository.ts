import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { BookStatus } from '../../db/schema/catalogue.ts';
import { sharable } from './shelf.ts';

/** A book of the city's shared catalogue, as a librarian of another library sees it. */
export interface SharedBook {
  id: number;
  title: string;
  ownerId: number;
  ownerName: string;
  publishedAt: Date | null;
  /** On the viewing library's shelf already. */
  shelved: boolean;
}

/** What shelving needs to know about a book, seen from one library. */
export interface ShelfState {
  id: number;
  title: string;
  status: BookStatus;
  ownerId: number;
  sharable: boolean;
  shelved: boolean;
}

export interface Holder {
  id: number;
  slug: string;
  name: string;
  isDefault: boolean;
}

/** All SQL of the shared catalogue: library_shelves and the questions about it. */
export class ShelvesRepository {
  constructor(private readonly db: Database) {}

  /**
   * Published books of OTHER libraries whose rights reach beyond their owner, newest first;
   * `q` matches the title (case- and accent-insensitive enough for a librarian's list).
   */
  async sharedCatalogue(
    libraryId: number,
    opts: { q: string; limit: number; offset: number },
  ): Promise<{ books: SharedBook[]; total: number }> {
    let base = this.db
      .selectFrom('books')
      .innerJoin('libraries', 'libraries.id', 'books.library_id')
      .where('books.status', '=', 'published')
      .where('books.library_id', '<>', libraryId)
      .where(sharable());
    // position(), not LIKE: the librarian's words are text, never a pattern.
    if (opts.q) base = base.where(sql<boolean>`position(lower(${opts.q}) in lower(books.title)) > 0`);
    const [rows, count] = await Promise.all([
      base
        .select([
          'books.id',
          'books.title',
          'books.published_at as publishedAt',
          'libraries.id as ownerId',
          'libraries.name as ownerName',
          shelvedBy(libraryId).as('shelved'),
        ])
        .orderBy('books.published_at', 'desc')
        .orderBy('books.id', 'desc')
        .limit(opts.limit)
        .offset(opts.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { books: rows.map((r) => ({ ...r, shelved: !!r.shelved })), total: Number(count.n) };
  }

  /** The book as library L sees it for shelving, locked against a concurrent withdrawal. */
  async stateForUpdate(libraryId: number, bookId: number, db: Database): Promise<ShelfState | undefined> {
    const row = await db
      .selectFrom('books')
      .select([
        'books.id',
        'books.title',
        'books.status',
        'books.library_id as ownerId',
        sharable().as('sharable'),
        shelvedBy(libraryId).as('shelved'),
      ])
      .where('books.id', '=', bookId)
      .forUpdate()
      .executeTakeFirst();
    return row && { ...row, sharable: !!row.sharable, shelved: !!row.shelved };
  }

  async add(libraryId: number, bookId: number, by: number | null, at: Date, db: Database): Promise<boolean> {
    const res = await db
      .insertInto('library_shelves')
      .values({ library_id: libraryId, book_id: bookId, added_by: by, added_at: at })
      .onConflict((oc) => oc.columns(['library_id', 'book_id']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async remove(libraryId: number, bookId: number, db: Database): Promise<boolean> {
    const res = await db.deleteFrom('library_shelves').where('library_id', '=', libraryId).where('book_id', '=', bookId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** For each book, the libraries whose shelf holds it now (the owner, then libraries that shelved it). */
  async holders(bookIds: number[]): Promise<Map<number, Holder[]>> {
    const out = new Map<number, Holder[]>();
    if (bookIds.length === 0) return out;
    const ids = sql.join(bookIds.map((id) => sql`${id}`));
    // The same rule as onShelf(), turned around: owner, or shelved while the rights reach beyond it.
    const { rows } = await sql<{ book_id: number; id: number; slug: string; name: string; is_default: boolean; own: boolean }>`
      select b.id as book_id, l.id, l.slug, l.name, l.is_default, true as own
        from books b join libraries l on l.id = b.library_id where b.id in (${ids})
      union
      select b.id, l.id, l.slug, l.name, l.is_default, false
        from library_shelves s join books b on b.id = s.book_id join libraries l on l.id = s.library_id
       where b.id in (${ids}) and ${sharable({ id: 'b.id' })}
      order by book_id, own desc, name`.execute(this.db);
    for (const r of rows) {
      const list = out.get(r.book_id) ?? [];
      if (!list.some((h) => h.id === r.id)) list.push({ id: r.id, slug: r.slug, name: r.name, isDefault: r.is_default });
      out.set(r.book_id, list);
    }
    return out;
  }

  /** Of these ids, the books published now (city-wide search hits are checked against it). */
  async publishedIds(ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.selectFrom('books').select('id').where('id', 'in', ids).where('status', '=', 'published').execute();
    return new Set(rows.map((r) => r.id));
  }

  async isShelvedAnywhere(bookId: number, db: Database = this.db): Promise<boolean> {
    return !!(await db.selectFrom('library_shelves').select('book_id').where('book_id', '=', bookId).limit(1).executeTakeFirst());
  }

  /** The library's own categories, each marked when it is assigned to the book. */
  async categoriesFor(
    libraryId: number,
    bookIds: number[],
  ): Promise<{ categories: Array<{ id: number; name: string }>; chosen: Map<number, number[]> }> {
    const categories = await this.db
      .selectFrom('categories')
      .select(['id', 'name'])
      .where('library_id', '=', libraryId)
      .orderBy('position')
      .orderBy('name')
      .execute();
    const chosen = new Map<number, number[]>();
    if (bookIds.length && categories.length) {
      const rows = await this.db
        .selectFrom('book_categories')
        .select(['book_id', 'category_id'])
        .where('book_id', 'in', bookIds)
        .where(
          'category_id',
          'in',
          categories.map((c) => c.id),
        )
        .execute();
      for (const r of rows) chosen.set(r.book_id, [...(chosen.get(r.book_id) ?? []), r.category_id]);
    }
    return { categories, chosen };
  }

  /** Replaces the library's own categories on a book (other libraries' assignments stay). False: a category is not the library's. */
  async setCategories(libraryId: number, bookId: number, categoryIds: number[], db: Database): Promise<boolean> {
    if (categoryIds.length) {
      const own = await db
        .selectFrom('categories')
        .select('id')
        .where('library_id', '=', libraryId)
        .where('id', 'in', categoryIds)
        .execute();
      if (own.length !== new Set(categoryIds).size) return false;
    }
    await db
      .deleteFrom('book_categories')
      .where('book_id', '=', bookId)
      .where('category_id', 'in', (eb) => eb.selectFrom('categories').select('id').where('library_id', '=', libraryId))
      .execute();
    if (categoryIds.length) {
      await db
        .insertInto('book_categories')
        .values([...new Set(categoryIds)].map((category_id) => ({ book_id: bookId, category_id })))
        .execute();
    }
    return true;
  }

  async isShelvedBy(libraryId: number, bookId: number, db: Database): Promise<boolean> {
    const row = await db
      .selectFrom('library_shelves')
      .select('book_id')
      .where('library_id', '=', libraryId)
      .where('book_id', '=', bookId)
      .forUpdate()
      .executeTakeFirst();
    return !!row;
  }
}

/** Whether library L has put the book (the outer query's `books` row) on its shelf. */
function shelvedBy(libraryId: number) {
  return sql<boolean>`exists (select 1 from library_shelves where library_shelves.library_id = ${libraryId} and library_shelves.book_id = books.id)`;
}
