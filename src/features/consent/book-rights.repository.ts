import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { BookStatus } from '../../db/schema/catalogue.ts';
import type { BookHolderRole, BookRightsBasisRow, HolderKind, RightsBasis } from '../../db/schema/consent.ts';

export interface BookSummary {
  id: number;
  title: string;
  status: BookStatus;
  published_at: Date | null;
  /** The owner library, whose consent register the book's holders belong to. */
  library_id: number;
}

export interface RequiredHolder {
  rights_holder_id: number;
  role: BookHolderRole;
  name: string;
  kind: HolderKind;
}

export interface BasisFields {
  basis: RightsBasis;
  note: string;
  licence_name: string | null;
  licence_url: string | null;
  allow_download: boolean;
}

/**
 * A book's legal side: who must consent (book_rights_holders) and the basis it is shared on.
 * Reads the catalogue's `books` table (the documented contract) but never writes it.
 */
export class BookRightsRepository {
  constructor(private readonly db: Database) {}

  findBook(bookId: number, db: Database = this.db): Promise<BookSummary | undefined> {
    return db
      .selectFrom('books')
      .select(['id', 'title', 'status', 'published_at', 'library_id'])
      .where('id', '=', bookId)
      .executeTakeFirst();
  }

  requiredHolders(bookId: number, db: Database = this.db): Promise<RequiredHolder[]> {
    return db
      .selectFrom('book_rights_holders as bh')
      .innerJoin('rights_holders as h', 'h.id', 'bh.rights_holder_id')
      .select(['bh.rights_holder_id', 'bh.role', 'h.name', 'h.kind'])
      .where('bh.book_id', '=', bookId)
      .orderBy('bh.created_at')
      .orderBy('h.id')
      .execute();
  }

  /** Adds (or re-labels) a required holder; returns the previous role, if there was one. */
  async upsertHolder(bookId: number, holderId: number, role: BookHolderRole, db: Database = this.db): Promise<BookHolderRole | null> {
    const before = await db
      .selectFrom('book_rights_holders')
      .select('role')
      .where('book_id', '=', bookId)
      .where('rights_holder_id', '=', holderId)
      .executeTakeFirst();
    await db
      .insertInto('book_rights_holders')
      .values({ book_id: bookId, rights_holder_id: holderId, role })
      .onConflict((oc) => oc.columns(['book_id', 'rights_holder_id']).doUpdateSet({ role }))
      .execute();
    return before?.role ?? null;
  }

  /** Adds a required holder only if absent (recording a consent for someone not yet listed). */
  async ensureHolder(bookId: number, holderId: number, role: BookHolderRole, db: Database = this.db): Promise<boolean> {
    const inserted = await db
      .insertInto('book_rights_holders')
      .values({ book_id: bookId, rights_holder_id: holderId, role })
      .onConflict((oc) => oc.columns(['book_id', 'rights_holder_id']).doNothing())
      .returning('book_id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async removeHolder(bookId: number, holderId: number, db: Database = this.db): Promise<BookHolderRole | null> {
    const row = await db
      .deleteFrom('book_rights_holders')
      .where('book_id', '=', bookId)
      .where('rights_holder_id', '=', holderId)
      .returning('role')
      .executeTakeFirst();
    return row?.role ?? null;
  }

  getBasis(bookId: number, db: Database = this.db): Promise<BookRightsBasisRow | undefined> {
    return db.selectFrom('book_rights_basis').selectAll().where('book_id', '=', bookId).executeTakeFirst();
  }

  async upsertBasis(bookId: number, fields: BasisFields, actorId: number | null, at: Date, db: Database = this.db): Promise<void> {
    const values = { ...fields, updated_by: actorId, updated_at: at };
    await db
      .insertInto('book_rights_basis')
      .values({ book_id: bookId, ...values })
      .onConflict((oc) => oc.column('book_id').doUpdateSet(values))
      .execute();
  }

  /** Locks several books in id order (one order everywhere, so two lockers cannot deadlock). */
  async lockBooks(bookIds: number[], db: Database): Promise<void> {
    if (bookIds.length === 0) return;
    await db
      .selectFrom('books')
      .select('id')
      .where(
        'id',
        'in',
        [...bookIds].sort((a, b) => a - b),
      )
      .orderBy('id')
      .forUpdate()
      .execute();
  }

  /** Locks the book row so a basis change and a concurrent publish cannot interleave. */
  async lockBook(bookId: number, db: Database): Promise<BookSummary | undefined> {
    return db
      .selectFrom('books')
      .select(['id', 'title', 'status', 'published_at', 'library_id'])
      .where('id', '=', bookId)
      .forUpdate()
      .executeTakeFirst();
  }

  /** Published books a library owns, with their basis row (if any), for its consent register. */
  publishedBooks(
    libraryId: number,
  ): Promise<
    Array<BookSummary & { basis: RightsBasis | null; note: string | null; licence_name: string | null; licence_url: string | null }>
  > {
    return this.db
      .selectFrom('books as b')
      .leftJoin('book_rights_basis as r', 'r.book_id', 'b.id')
      .select(['b.id', 'b.title', 'b.status', 'b.published_at', 'b.library_id', 'r.basis', 'r.note', 'r.licence_name', 'r.licence_url'])
      .where('b.status', '=', 'published')
      .where('b.library_id', '=', libraryId)
      .orderBy(sql`lower(b.title)`)
      .orderBy('b.id')
      .execute();
  }

  /** Required holders of many books at once (register). */
  requiredHoldersOf(bookIds: number[]): Promise<Array<RequiredHolder & { book_id: number }>> {
    if (bookIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('book_rights_holders as bh')
      .innerJoin('rights_holders as h', 'h.id', 'bh.rights_holder_id')
      .select(['bh.book_id', 'bh.rights_holder_id', 'bh.role', 'h.name', 'h.kind'])
      .where('bh.book_id', 'in', bookIds)
      .orderBy('bh.book_id')
      .orderBy('bh.created_at')
      .execute();
  }
}
