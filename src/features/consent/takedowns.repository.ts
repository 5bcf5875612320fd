import type { Database } from '../../db/database.ts';
import type { BookTakedown } from '../../db/schema/consent.ts';

/** Markers for books taken down because a consent was revoked or ran out. */
export class TakedownsRepository {
  constructor(private readonly db: Database) {}

  async upsert(
    row: { book_id: number; cause: 'revoked' | 'expired'; consent_id: number | null; taken_down_at: Date },
    db: Database = this.db,
  ): Promise<void> {
    await db
      .insertInto('book_takedowns')
      .values({ ...row, withdrawn_at: null })
      .onConflict((oc) =>
        oc
          .column('book_id')
          .doUpdateSet({ cause: row.cause, consent_id: row.consent_id, taken_down_at: row.taken_down_at, withdrawn_at: null }),
      )
      .execute();
  }

  async markWithdrawn(bookId: number, at: Date, db: Database = this.db): Promise<void> {
    await db
      .updateTable('book_takedowns')
      .set({ withdrawn_at: at })
      .where('book_id', '=', bookId)
      .where('withdrawn_at', 'is', null)
      .execute();
  }

  find(bookId: number): Promise<BookTakedown | undefined> {
    return this.db.selectFrom('book_takedowns').selectAll().where('book_id', '=', bookId).executeTakeFirst();
  }

  /** The marker of a book that is withdrawn right now (a re-published book has none to show). */
  findForWithdrawnBook(bookId: number): Promise<BookTakedown | undefined> {
    return this.db
      .selectFrom('book_takedowns as t')
      .innerJoin('books as b', 'b.id', 't.book_id')
      .selectAll('t')
      .where('t.book_id', '=', bookId)
      .where('b.status', '=', 'withdrawn')
      .executeTakeFirst();
  }

  async clear(bookId: number, db: Database = this.db): Promise<boolean> {
    const r = await db.deleteFrom('book_takedowns').where('book_id', '=', bookId).executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
