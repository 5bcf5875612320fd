import type { Database } from '../../db/database.ts';

/** SQL for the per-visitor, per-book, per-day page credits (see ReadingCredits). */
export class ReadingCreditsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Adds a beacon's pages to the visitor's record of today and returns how many pages it adds to the
   * statistics. `pages`: the page numbers shown (already within the book), or null when the reader
   * only reported a count (`count`, already capped). The row is locked while compared, so parallel
   * beacons cannot both count the same pages.
   */
  async add(
    libraryId: number,
    day: string,
    visitor: Buffer,
    bookId: number,
    pages: number[] | null,
    count: number,
    cap: number,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('reading_credits')
        .values({ library_id: libraryId, day, visitor, book_id: bookId })
        .onConflict((oc) => oc.columns(['library_id', 'day', 'visitor', 'book_id']).doNothing())
        .execute();
      const row = await trx
        .selectFrom('reading_credits')
        .select(['pages', 'counted'])
        .where('library_id', '=', libraryId)
        .where('day', '=', day)
        .where('visitor', '=', visitor)
        .where('book_id', '=', bookId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const seen = pages ? [...new Set([...row.pages, ...pages])].sort((a, b) => a - b) : row.pages;
      const reached = Math.min(cap, pages ? seen.length : Math.max(seen.length, count));
      const added = Math.max(0, reached - row.counted);
      if (added === 0 && seen.length === row.pages.length) return 0;
      await trx
        .updateTable('reading_credits')
        .set({ pages: seen, counted: row.counted + added })
        .where('library_id', '=', libraryId)
        .where('day', '=', day)
        .where('visitor', '=', visitor)
        .where('book_id', '=', bookId)
        .execute();
      return added;
    });
  }

  /** Past days' credits: nobody can link them to a visitor any more (the salt is gone), and they bound nothing. */
  async deleteBefore(day: string): Promise<number> {
    const r = await this.db.deleteFrom('reading_credits').where('day', '<', day).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
