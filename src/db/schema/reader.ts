import type { ColumnType } from 'kysely';

/** One counter per book: how many times readers opened it (bots excluded). */
export interface BookOpenCountsTable {
  book_id: number;
  opens: ColumnType<number, number | undefined, number>;
  last_opened_at: ColumnType<Date, Date | undefined, Date>;
}
