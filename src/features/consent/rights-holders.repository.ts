import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { BookStatus } from '../../db/schema/catalogue.ts';
import type { BookHolderRole, HolderKind, RightsHolder } from '../../db/schema/consent.ts';

export interface HolderFields {
  name: string;
  kind: HolderKind;
  phone: string;
  email: string;
  zalo: string;
  address: string;
  notes: string;
}

export interface HolderListRow extends RightsHolder {
  book_count: number;
}

export interface HolderBookRow {
  book_id: number;
  title: string;
  status: BookStatus;
  role: BookHolderRole;
}

/** Rights holders (authors, heirs, publishers, translators, organisations). */
export class RightsHoldersRepository {
  constructor(private readonly db: Database) {}

  async insert(fields: HolderFields, libraryId: number, createdBy: number | null, db: Database = this.db): Promise<RightsHolder> {
    return db
      .insertInto('rights_holders')
      .values({ ...fields, library_id: libraryId, created_by: createdBy })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(id: number, fields: HolderFields, at: Date, db: Database = this.db): Promise<RightsHolder | undefined> {
    return db
      .updateTable('rights_holders')
      .set({ ...fields, updated_at: at })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  findById(id: number, db: Database = this.db): Promise<RightsHolder | undefined> {
    return db.selectFrom('rights_holders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The oldest holder with this name (case-insensitive), for the bulk import's "created if new". */
  /** The library whose register a book's holders belong to (its owner library). */
  async libraryOfBook(bookId: number, db: Database = this.db): Promise<number | undefined> {
    return (await db.selectFrom('books').select('library_id').where('id', '=', bookId).executeTakeFirst())?.library_id;
  }

  findByName(name: string, kind: HolderKind | undefined, libraryId: number, db: Database = this.db): Promise<RightsHolder | undefined> {
    let q = db
      .selectFrom('rights_holders')
      .selectAll()
      .where('library_id', '=', libraryId)
      .where(sql`lower(btrim(name))`, '=', name.trim().toLowerCase());
    if (kind) q = q.where('kind', '=', kind);
    return q.orderBy('id').limit(1).executeTakeFirst();
  }

  async list(filter: { libraryId: number; q?: string; limit: number }): Promise<HolderListRow[]> {
    let q = this.db
      .selectFrom('rights_holders as h')
      .where('h.library_id', '=', filter.libraryId)
      .selectAll('h')
      .select((eb) =>
        eb
          .selectFrom('book_rights_holders as bh')
          .whereRef('bh.rights_holder_id', '=', 'h.id')
          .select(eb.fn.countAll<number>().as('n'))
          .as('book_count'),
      )
      .orderBy(sql`lower(h.name)`)
      .orderBy('h.id')
      .limit(filter.limit);
    if (filter.q) q = q.where(sql`lower(h.name)`, 'like', `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const rows = await q.execute();
    return rows.map((r) => ({ ...r, book_count: Number(r.book_count ?? 0) }));
  }

  /** Every book this holder must consent for, or has a consent record on. */
  booksOf(holderId: number): Promise<HolderBookRow[]> {
    return this.db
      .selectFrom('book_rights_holders as bh')
      .innerJoin('books as b', 'b.id', 'bh.book_id')
      .select(['bh.book_id', 'b.title', 'b.status', 'bh.role'])
      .where('bh.rights_holder_id', '=', holderId)
      .orderBy(sql`lower(b.title)`)
      .execute();
  }
}
