import type { ColumnType } from 'kysely';

/** One counter per library and book: how many times readers opened it (bots excluded). */
export interface BookOpenCountsTable {
  /** The library whose site the book was opened on (migration 0016). */
  library_id: number;
  book_id: number;
  opens: ColumnType<number, number | undefined, number>;
  last_opened_at: ColumnType<Date, Date | undefined, Date>;
}
