import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { BookStatus, OutlineNode } from '../../db/schema/catalogue.ts';
import { onShelf } from '../libraries/shelf.ts';

export interface NamedLink {
  name: string;
  slug: string;
}

/** What a list of books (home, category, author, OPDS) shows for each book. */
export interface BookCard {
  id: number;
  title: string;
  description: string;
  language: string;
  year: number | null;
  pageCount: number | null;
  hasCover: boolean;
  coverVersion: number;
  publishedAt: Date | null;
  authors: NamedLink[];
  categories: NamedLink[];
}

/** One book with its file, for the book page, the reader and the file route. */
export interface BookRecord extends BookCard {
  status: BookStatus;
  withdrawnAt: Date | null;
  publisher: string | null;
  isbn: string | null;
  tags: string[];
  outline: OutlineNode[];
  needsOcr: boolean;
  updatedAt: Date;
  file: { storageKey: string; sizeBytes: number; sha256: string };
}

export interface CategoryCount extends NamedLink {
  id: number;
  books: number;
}

const cardColumns = [
  'books.id',
  'books.title',
  'books.description',
  'books.language',
  'books.publication_year',
  'books.page_count',
  'books.has_cover',
  'books.cover_version',
  'books.published_at',
] as const;

type CardRow = {
  id: number;
  title: string;
  description: string;
  language: string;
  publication_year: number | null;
  page_count: number | null;
  has_cover: boolean;
  cover_version: number;
  published_at: Date | null;
};

/**
 * All SQL of the public pages. Only published books ever leave this file in lists, and every
 * query is about ONE library's shelf (onShelf): a book of another library is not there.
 */
export class PublicRepository {
  constructor(private readonly db: Database) {}

  /** The library that owns (uploaded and published) the book. */
  async ownerLibraryId(id: number): Promise<number | undefined> {
    const row = await this.db.selectFrom('books').select('library_id').where('id', '=', id).executeTakeFirst();
    return row?.library_id;
  }

  /** The book if it is on the library's shelf (any status: the caller decides what the public may see). */
  async findBook(libraryId: number, id: number): Promise<BookRecord | undefined> {
    const row = await this.db
      .selectFrom('books')
      .innerJoin('book_files', 'book_files.id', 'books.file_id')
      .select([
        ...cardColumns,
        'books.status',
        'books.withdrawn_at',
        'books.publisher',
        'books.isbn',
        'books.tags',
        'books.outline',
        'books.needs_ocr',
        'books.updated_at',
      ])
      .select(['book_files.storage_key', 'book_files.size_bytes', 'book_files.sha256'])
      .where('books.id', '=', id)
      .where(onShelf(libraryId))
      .executeTakeFirst();
    if (!row) return undefined;
    const [card] = await this.withLinks(libraryId, [row]);
    return {
      ...card,
      status: row.status,
      withdrawnAt: row.withdrawn_at,
      publisher: row.publisher,
      isbn: row.isbn,
      tags: row.tags,
      outline: row.outline ?? [],
      needsOcr: row.needs_ocr,
      updatedAt: row.updated_at,
      file: { storageKey: row.storage_key, sizeBytes: Number(row.size_bytes), sha256: row.sha256 },
    };
  }

  async newest(libraryId: number, limit: number, offset = 0): Promise<BookCard[]> {
    const rows = await this.published(libraryId)
      .orderBy('books.published_at', 'desc')
      .orderBy('books.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return this.withLinks(libraryId, rows);
  }

  /** Most opened first; books nobody opened yet follow, newest first, so the list is never empty. */
  async popular(libraryId: number, limit: number, offset = 0): Promise<BookCard[]> {
    const rows = await this.published(libraryId)
      // Opens are counted per library (0016): this library's readers' opens.
      .leftJoin('book_open_counts', (j) =>
        j.onRef('book_open_counts.book_id', '=', 'books.id').on('book_open_counts.library_id', '=', libraryId),
      )
      .orderBy(sql`coalesce(book_open_counts.opens, 0)`, 'desc')
      .orderBy('books.published_at', 'desc')
      .orderBy('books.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return this.withLinks(libraryId, rows);
  }

  /**
   * Every library's published books, most opened first: for work with no library in an address
   * (pictures rendered ahead of readers).
   */
  async allPublishedByOpens(limit: number, offset = 0): Promise<Array<{ id: number }>> {
    return this.db
      .selectFrom('books')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('book_open_counts')
            .select(['book_open_counts.book_id', (e) => e.fn.sum<number>('book_open_counts.opens').as('opens')])
            .groupBy('book_open_counts.book_id')
            .as('o'),
        (j) => j.onRef('o.book_id', '=', 'books.id'),
      )
      .select('books.id')
      .where('books.status', '=', 'published')
      .orderBy(sql`coalesce(o.opens, 0)`, 'desc')
      .orderBy('books.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async countPublished(libraryId: number): Promise<number> {
    const row = await this.db
      .selectFrom('books')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'published')
      .where(onShelf(libraryId))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async categoriesWithCounts(libraryId: number): Promise<CategoryCount[]> {
    const rows = await this.db
      .selectFrom('categories')
      .leftJoin('book_categories', 'book_categories.category_id', 'categories.id')
      .leftJoin('books', (j) =>
        j.onRef('books.id', '=', 'book_categories.book_id').on('books.status', '=', 'published').on(onShelf(libraryId)),
      )
      .where('categories.library_id', '=', libraryId)
      .select(['categories.id', 'categories.slug', 'categories.name', (eb) => eb.fn.count<number>('books.id').as('books')])
      .groupBy(['categories.id', 'categories.slug', 'categories.name', 'categories.position'])
      .orderBy('categories.position')
      .orderBy('categories.name')
      .execute();
    return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, books: Number(r.books) }));
  }

  findCategory(libraryId: number, slug: string) {
    return this.db
      .selectFrom('categories')
      .select(['id', 'slug', 'name'])
      .where('library_id', '=', libraryId)
      .where('slug', '=', slug)
      .executeTakeFirst();
  }

  findAuthor(slug: string) {
    return this.db.selectFrom('authors').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
  }

  async inCategory(libraryId: number, categoryId: number, limit: number, offset: number): Promise<{ books: BookCard[]; total: number }> {
    const base = this.published(libraryId).where((eb) =>
      eb.exists(
        eb
          .selectFrom('book_categories')
          .select('book_id')
          .whereRef('book_categories.book_id', '=', 'books.id')
          .where('book_categories.category_id', '=', categoryId),
      ),
    );
    return this.paged(libraryId, base, limit, offset);
  }

  async byAuthor(libraryId: number, authorId: number, limit: number, offset: number): Promise<{ books: BookCard[]; total: number }> {
    const base = this.published(libraryId).where((eb) =>
      eb.exists(
        eb
          .selectFrom('book_authors')
          .select('book_id')
          .whereRef('book_authors.book_id', '=', 'books.id')
          .where('book_authors.author_id', '=', authorId),
      ),
    );
    return this.paged(libraryId, base, limit, offset);
  }

  /** Published books by id, in the order given (search results → OPDS entries). */
  async cardsByIds(libraryId: number, ids: number[]): Promise<BookCard[]> {
    if (ids.length === 0) return [];
    const rows = await this.published(libraryId).where('books.id', 'in', ids).execute();
    const byId = new Map((await this.withLinks(libraryId, rows)).map((c) => [c.id, c]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Of these ids, the ones still published (search results are checked against it). */
  async publishedIds(libraryId: number, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('books')
      .select('id')
      .where('id', 'in', ids)
      .where('status', '=', 'published')
      .where(onShelf(libraryId))
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** A page's text and where it came from ('ocr': recognised from the rendering, may contain errors). */
  async pageText(bookId: number, pageNumber: number): Promise<{ text: string; source: 'pdf' | 'ocr' } | undefined> {
    return this.db
      .selectFrom('book_pages')
      .select(['text', 'source'])
      .where('book_id', '=', bookId)
      .where('page_number', '=', pageNumber)
      .executeTakeFirst();
  }

  /** Counted per library (migration 0016): the library whose site the book was opened on. */
  async recordOpen(libraryId: number, bookId: number, at: Date): Promise<void> {
    await this.db
      .insertInto('book_open_counts')
      .values({ library_id: libraryId, book_id: bookId, opens: 1, last_opened_at: at })
      .onConflict((oc) => oc.columns(['library_id', 'book_id']).doUpdateSet({ opens: sql`book_open_counts.opens + 1`, last_opened_at: at }))
      .execute();
  }

  private published(libraryId: number) {
    return this.db.selectFrom('books').select(cardColumns).where('books.status', '=', 'published').where(onShelf(libraryId));
  }

  private async paged(
    libraryId: number,
    base: ReturnType<PublicRepository['published']>,
    limit: number,
    offset: number,
  ): Promise<{ books: BookCard[]; total: number }> {
    const [rows, count] = await Promise.all([
      base.orderBy('books.published_at', 'desc').orderBy('books.id', 'desc').limit(limit).offset(offset).execute(),
      base
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { books: await this.withLinks(libraryId, rows), total: Number(count.n) };
  }

  /**
   * Adds authors and categories to book rows with two queries, whatever the number of books. Only
   * this library's categories: a shared book carries each shelving library's own.
   */
  private async withLinks(libraryId: number, rows: CardRow[]): Promise<BookCard[]> {
    const ids = rows.map((r) => r.id);
    const [authors, categories] = ids.length
      ? await Promise.all([
          this.db
            .selectFrom('book_authors')
            .innerJoin('authors', 'authors.id', 'book_authors.author_id')
            .select(['book_authors.book_id', 'authors.name', 'authors.slug'])
            .where('book_authors.book_id', 'in', ids)
            .orderBy('book_authors.position')
            .orderBy('authors.name')
            .execute(),
          this.db
            .selectFrom('book_categories')
            .innerJoin('categories', 'categories.id', 'book_categories.category_id')
            .select(['book_categories.book_id', 'categories.name', 'categories.slug'])
            .where('book_categories.book_id', 'in', ids)
            .where('categories.library_id', '=', libraryId)
            .orderBy('categories.position')
            .execute(),
        ])
      : [[], []];
    const group = (list: Array<{ book_id: number; name: string; slug: string }>) => {
      const map = new Map<number, NamedLink[]>();
      for (const r of list) map.set(r.book_id, [...(map.get(r.book_id) ?? []), { name: r.name, slug: r.slug }]);
      return map;
    };
    const byBookAuthors = group(authors);
    const byBookCategories = group(categories);
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      language: r.language,
      year: r.publication_year,
      pageCount: r.page_count,
      hasCover: r.has_cover,
      coverVersion: r.cover_version,
      publishedAt: r.published_at,
      authors: byBookAuthors.get(r.id) ?? [],
      categories: byBookCategories.get(r.id) ?? [],
    }));
  }
}
