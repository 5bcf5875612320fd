import { sql } from 'kysely';
import type { Database } from '../../../db/database.ts';
import type { Book, BookFile, BookStatus, IngestStatus, OutlineNode } from '../../../db/schema/catalogue.ts';
import { shelfLibraryIdsSql } from '../../libraries/shelf.ts';
import { slugify } from '../catalogue-text.ts';

export interface BookListFilter {
  /** The library whose books are listed (its staff's catalogue). */
  libraryId: number;
  status?: BookStatus;
  ingest?: IngestStatus;
  flag?: 'ocr' | 'legacy' | 'index_pending';
  q?: string;
  categoryId?: number;
  limit: number;
  offset: number;
}

export interface BookListRow {
  id: number;
  title: string;
  status: BookStatus;
  ingest_status: IngestStatus;
  page_count: number | null;
  needs_ocr: boolean;
  legacy_encoding: string | null;
  index_pending: boolean;
  has_cover: boolean;
  cover_version: number;
  created_at: Date;
  authors: string | null;
}

export interface MetadataChange {
  title?: string;
  description?: string;
  language?: string;
  publication_year?: number | null;
  publisher?: string | null;
  isbn?: string | null;
  tags?: string[];
  edited_fields?: string[];
}

/** Books, their files, authors and category links. Pages live in book-pages.repository.ts. */
export class BooksRepository {
  constructor(private readonly db: Database) {}

  /**
   * The libraries whose shelf holds a book, for its search documents' library_ids: the owner
   * and the libraries that shelved it while its consent scope allows (0015, shelfLibraryIdsSql).
   */
  async shelfLibraryIds(bookId: number): Promise<number[]> {
    const { rows } = await shelfLibraryIdsSql(bookId).execute(this.db);
    return rows.map((r) => r.library_id).sort((a, b) => a - b);
  }

  findById(id: number, db: Database = this.db): Promise<Book | undefined> {
    return db.selectFrom('books').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Locks the row for a state change, so two librarians cannot publish and delete at once. */
  lockById(id: number, trx: Database): Promise<Book | undefined> {
    return trx.selectFrom('books').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  findFile(fileId: number): Promise<BookFile | undefined> {
    return this.db.selectFrom('book_files').selectAll().where('id', '=', fileId).executeTakeFirst();
  }

  /** The book already made from a file with this SHA-256, if any. */
  async findBySha256(
    sha256: string,
    db: Database = this.db,
  ): Promise<{ bookId: number; title: string; libraryId: number; libraryName: string } | undefined> {
    return db
      .selectFrom('book_files')
      .innerJoin('books', 'books.file_id', 'book_files.id')
      .innerJoin('libraries', 'libraries.id', 'books.library_id')
      .select(['books.id as bookId', 'books.title', 'books.library_id as libraryId', 'libraries.name as libraryName'])
      .where('book_files.sha256', '=', sha256)
      .executeTakeFirst();
  }

  /** Inserts the file row and the draft book in the caller's transaction. */
  async insertDraft(
    trx: Database,
    input: {
      sha256: string;
      sizeBytes: number;
      storageKey: string;
      originalName: string;
      title: string;
      /** The owner library: the one uploading it. */
      libraryId: number;
      createdBy: number | null;
      language?: string;
      description?: string;
      publicationYear?: number | null;
      editedFields: string[];
    },
  ): Promise<Book> {
    const file = await trx
      .insertInto('book_files')
      .values({ sha256: input.sha256, size_bytes: input.sizeBytes, storage_key: input.storageKey, original_name: input.originalName })
      .returning('id')
      .executeTakeFirstOrThrow();
    return trx
      .insertInto('books')
      .values({
        library_id: input.libraryId,
        file_id: file.id,
        title: input.title,
        description: input.description ?? '',
        language: input.language ?? 'vi',
        publication_year: input.publicationYear ?? null,
        publisher: null,
        isbn: null,
        ingest_error: null,
        index_pending: false, // a draft is not meant to be in the public indexes
        page_count: null,
        outline: null,
        pdf_metadata: null,
        legacy_encoding: null,
        created_by: input.createdBy,
        published_at: null,
        withdrawn_at: null,
        edited_fields: input.editedFields,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async list(filter: BookListFilter): Promise<{ rows: BookListRow[]; total: number }> {
    let q = this.db.selectFrom('books').where('books.library_id', '=', filter.libraryId);
    if (filter.status) q = q.where('books.status', '=', filter.status);
    if (filter.ingest) q = q.where('books.ingest_status', '=', filter.ingest);
    if (filter.flag === 'ocr') q = q.where('books.needs_ocr', '=', true);
    if (filter.flag === 'legacy') q = q.where('books.legacy_encoding', 'is not', null);
    if (filter.flag === 'index_pending') q = q.where('books.index_pending', '=', true);
    if (filter.categoryId) {
      const categoryId = filter.categoryId;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('book_categories as bc')
            .select('bc.book_id')
            .whereRef('bc.book_id', '=', 'books.id')
            .where('bc.category_id', '=', categoryId),
        ),
      );
    }
    if (filter.q) {
      const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) => eb.or([eb('books.title', 'ilike', like), eb(sql<string>`books.id::text`, '=', filter.q!)]));
    }
    const [rows, count] = await Promise.all([
      q
        .select([
          'books.id',
          'books.title',
          'books.status',
          'books.ingest_status',
          'books.page_count',
          'books.needs_ocr',
          'books.legacy_encoding',
          'books.index_pending',
          'books.has_cover',
          'books.cover_version',
          'books.created_at',
          sql<
            string | null
          >`(select string_agg(a.name, '; ' order by ba.position) from book_authors ba join authors a on a.id = ba.author_id where ba.book_id = books.id)`.as(
            'authors',
          ),
        ])
        .orderBy('books.created_at', 'desc')
        .orderBy('books.id', 'desc')
        .limit(filter.limit)
        .offset(filter.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  authorsOf(bookId: number, db: Database = this.db): Promise<Array<{ id: number; name: string; slug: string }>> {
    return db
      .selectFrom('book_authors')
      .innerJoin('authors', 'authors.id', 'book_authors.author_id')
      .select(['authors.id', 'authors.name', 'authors.slug'])
      .where('book_authors.book_id', '=', bookId)
      .orderBy('book_authors.position')
      .execute();
  }

  /** Every library's categories on the book (a shared book carries each shelving library's own too). */
  categoriesOf(bookId: number, db: Database = this.db): Promise<Array<{ id: number; name: string; slug: string; libraryId: number }>> {
    return db
      .selectFrom('book_categories')
      .innerJoin('categories', 'categories.id', 'book_categories.category_id')
      .select(['categories.id', 'categories.name', 'categories.slug', 'categories.library_id as libraryId'])
      .where('book_categories.book_id', '=', bookId)
      .orderBy('categories.position')
      .orderBy('categories.name')
      .execute();
  }

  /** Replaces the authors, creating author rows by slug (so "Tô Hoài" is one author everywhere). */
  async setAuthors(trx: Database, bookId: number, names: string[]): Promise<void> {
    await trx.deleteFrom('book_authors').where('book_id', '=', bookId).execute();
    let position = 0;
    for (const name of names) {
      const slug = slugify(name);
      const author = await trx
        .insertInto('authors')
        .values({ name, slug })
        .onConflict((oc) => oc.column('slug').doUpdateSet({ slug: (eb) => eb.ref('excluded.slug') }))
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('book_authors')
        .values({ book_id: bookId, author_id: author.id, position: position++ })
        .onConflict((oc) => oc.columns(['book_id', 'author_id']).doNothing())
        .execute();
    }
  }

  /**
   * Replaces the categories the book's OWNER library gave it. Other libraries that shelved the book
   * (shared catalogue) file it under their own categories, which this leaves alone; and only the
   * owner's categories can be set here, whatever ids arrive.
   */
  async setCategories(trx: Database, bookId: number, categoryIds: number[]): Promise<void> {
    const ownerCategories = trx
      .selectFrom('categories')
      .select('categories.id')
      .where('categories.library_id', '=', (eb) => eb.selectFrom('books').select('books.library_id').where('books.id', '=', bookId));
    await trx.deleteFrom('book_categories').where('book_id', '=', bookId).where('category_id', 'in', ownerCategories).execute();
    if (categoryIds.length === 0) return;
    await trx
      .insertInto('book_categories')
      .columns(['book_id', 'category_id'])
      .expression((eb) =>
        eb
          .selectFrom('categories')
          .select([sql<number>`${bookId}::bigint`.as('book_id'), 'id as category_id'])
          .where('id', 'in', categoryIds)
          .where('categories.id', 'in', ownerCategories),
      )
      .execute();
  }

  async updateMetadata(trx: Database, bookId: number, change: MetadataChange): Promise<void> {
    if (Object.keys(change).length === 0) return;
    await trx
      .updateTable('books')
      .set({ ...change, updated_at: sql`now()` })
      .where('id', '=', bookId)
      .execute();
  }

  async setStatus(trx: Database, bookId: number, status: BookStatus, at: Date): Promise<void> {
    await trx
      .updateTable('books')
      .set({
        status,
        ...(status === 'published' ? { published_at: at, withdrawn_at: null } : {}),
        ...(status === 'withdrawn' ? { withdrawn_at: at } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', bookId)
      .execute();
  }

  /** Records that the search indexes must catch up with this book (the outbox job clears it). */
  async markIndexPending(trx: Database, bookIds: number[]): Promise<void> {
    if (bookIds.length === 0) return;
    await trx
      .updateTable('books')
      .set({ index_pending: true, search_revision: sql`search_revision + 1` })
      .where('id', 'in', bookIds)
      .execute();
  }

  /** Clears the flag only if nothing changed since `revision` was read; false means "sync again". */
  async clearIndexPending(bookId: number, revision: number, at: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('books')
      .set({ index_pending: false, indexed_at: at })
      .where('id', '=', bookId)
      .where('search_revision', '=', revision)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async setIngestState(
    bookId: number,
    state: {
      ingest_status: IngestStatus;
      ingest_error?: string | null;
      ingest_progress?: number;
      ingest_total?: number | null;
      ingest_started_at?: Date | null;
    },
    db: Database = this.db,
  ): Promise<void> {
    await db
      .updateTable('books')
      .set({ ...state, updated_at: sql`now()` })
      .where('id', '=', bookId)
      .execute();
  }

  async setIngestProgress(bookId: number, pages: number, total: number): Promise<void> {
    await this.db.updateTable('books').set({ ingest_progress: pages, ingest_total: total }).where('id', '=', bookId).execute();
  }

  /** Stores what extraction found, in the transaction that also completes the ingest. */
  async saveExtraction(
    trx: Database,
    bookId: number,
    r: {
      pageCount: number;
      outline: OutlineNode[];
      pdfMetadata: Record<string, string | null>;
      needsOcr: boolean;
      legacyEncoding: string | null;
      textlessPages: number[];
      legacyPages: number[];
      at: Date;
    },
  ): Promise<void> {
    await trx
      .updateTable('books')
      .set({
        page_count: r.pageCount,
        outline: JSON.stringify(r.outline),
        pdf_metadata: JSON.stringify(r.pdfMetadata),
        needs_ocr: r.needsOcr,
        legacy_encoding: r.legacyEncoding,
        textless_pages: r.textlessPages,
        legacy_pages: r.legacyPages,
        ingest_status: 'indexed',
        ingest_error: null,
        ingest_progress: r.pageCount,
        ingested_at: r.at,
        updated_at: sql`now()`,
      })
      .where('id', '=', bookId)
      .execute();
  }

  async setCover(bookId: number, custom: boolean, db: Database = this.db): Promise<void> {
    await db
      .updateTable('books')
      .set({ has_cover: true, cover_custom: custom, cover_version: sql`cover_version + 1`, updated_at: sql`now()` })
      .where('id', '=', bookId)
      .execute();
  }

  /** Deletes the book (pages, links and consent rows cascade) and its file row; returns the file's storage key. */
  async deleteWithFile(trx: Database, book: Book): Promise<string | null> {
    await trx.deleteFrom('books').where('id', '=', book.id).execute();
    const file = await trx.deleteFrom('book_files').where('id', '=', book.file_id).returning('storage_key').executeTakeFirst();
    return file?.storage_key ?? null;
  }

  /** Published books ids, in pages (reindex walks them all). */
  publishedIdsAfter(afterId: number, limit: number): Promise<Array<{ id: number }>> {
    return this.db
      .selectFrom('books')
      .select('id')
      .where('status', '=', 'published')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  indexPendingIds(limit: number): Promise<Array<{ id: number }>> {
    return this.db.selectFrom('books').select('id').where('index_pending', '=', true).orderBy('id').limit(limit).execute();
  }

  ingestStates(
    ids: number[],
  ): Promise<Array<{ id: number; ingest_status: IngestStatus; ingest_error: string | null; ingest_progress: number }>> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('books').select(['id', 'ingest_status', 'ingest_error', 'ingest_progress']).where('id', 'in', ids).execute();
  }

  async countIndexPending(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db
      .selectFrom('books')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', 'in', ids)
      .where('index_pending', '=', true)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  countByStatus(): Promise<Array<{ status: BookStatus; n: number }>> {
    return this.db
      .selectFrom('books')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
  }
}
