import type { ColumnType, Generated, Selectable } from 'kysely';

export type BookRequestStatus = 'open' | 'available' | 'dismissed';

/** One book readers asked for, under its normalised query key (migration 0010). */
export interface BookRequestsTable {
  id: Generated<number>;
  query_key: string;
  label: string;
  searches: ColumnType<number, number | undefined, number>;
  suggestions: ColumnType<number, number | undefined, number>;
  first_seen_at: Date;
  last_seen_at: Date;
  status: ColumnType<BookRequestStatus, BookRequestStatus | undefined, BookRequestStatus>;
  book_id: number | null;
  resolved_at: Date | null;
  resolved_by: number | null;
  // 0014_libraries
  /** The library this row belongs to (set once, at creation). */
  library_id: ColumnType<number, number, never>;
}
export type BookRequest = Selectable<BookRequestsTable>;

/** How many of a request's searches came from each QR location. */
export interface BookRequestPlacesTable {
  request_id: number;
  location_id: number;
  searches: ColumnType<number, number | undefined, number>;
}

/** What a reader typed in the "Đề xuất sách" form (no personal data). */
export interface BookRequestSuggestionsTable {
  id: Generated<number>;
  request_id: number;
  title: string;
  author: ColumnType<string, string | undefined, string>;
  note: ColumnType<string, string | undefined, string>;
  created_at: Date;
}
