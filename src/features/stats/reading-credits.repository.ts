import type { Database } from '../../db/database.ts';

/** SQL for the per-visitor, per-book, per-day page credits (see ReadingCredits). */
export class ReadingCreditsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Raises the visitor's credited pages for the book today to `pages` (never lowers it) and returns
   * the increase. The row is locked while compared, so parallel beacons cannot both count the same
   * pages.
   */
  async raise(day: string, visitor: Buffer, bookId: number, pages: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('reading_credits')
        .values({ day, visitor, book_id: bookId, pages: 0 })
        .onConflict((oc) => oc.columns(['day', 'visitor', 'book_id']).doNothing())
        .execute();
      const row = await trx
        .selectFrom('reading_credits')
        .select('pages')
        .where('day', '=', day)
        .where('visitor', '=', visitor)
        .where('book_id', '=', bookId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (pages <= row.pages) return 0;
      await trx
        .updateTable('reading_credits')
        .set({ pages })
        .where('day', '=', day)
        .where('visitor', '=', visitor)
        .where('book_id', '=', bookId)
        .execute();
      return pages - row.pages;
    });
  }

  /** Past days' credits: nobody can link them to a visitor any more (the salt is gone), and they bound nothing. */
  async deleteBefore(day: string): Promise<number> {
    const r = await this.db.deleteFrom('reading_credits').where('day', '<', day).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
