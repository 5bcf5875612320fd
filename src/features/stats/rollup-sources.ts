import { sql, type RawBuilder } from 'kysely';
import { splitRange, type DayRange } from './date-range.ts';
import { SITE_KEY } from './location-keys.ts';

/**
 * Per-book rows of one library in a range: whole months from the monthly rollup (site-wide or one place), the
 * loose days at either end from the daily one. Long ranges thus stay cheap.
 */
export function booksSource(libraryId: number, range: DayRange, locationKey: number | null): RawBuilder<unknown> {
  const { months, days } = splitRange(range);
  const parts: RawBuilder<unknown>[] = [];
  if (months) {
    parts.push(sql`select book_id, opens, pages_read, downloads, scans from stats_monthly_books
      where library_id = ${libraryId} and month between ${months.from}::date and ${months.to}::date and location_key = ${locationKey ?? SITE_KEY}`);
  }
  for (const d of days) {
    parts.push(sql`select book_id, opens, pages_read, downloads, scans from stats_daily_books
      where library_id = ${libraryId} and day between ${d.from}::date and ${d.to}::date ${locationFilter(locationKey)}`);
  }
  return sql.join(parts, sql` union all `);
}

export function searchesSource(libraryId: number, range: DayRange, locationKey: number | null): RawBuilder<unknown> {
  const { months, days } = splitRange(range);
  const parts: RawBuilder<unknown>[] = [];
  if (months) {
    parts.push(sql`select query, searches, zero_results from stats_monthly_searches
      where library_id = ${libraryId} and month between ${months.from}::date and ${months.to}::date and location_key = ${locationKey ?? SITE_KEY}`);
  }
  for (const d of days) {
    parts.push(sql`select query, searches, zero_results from stats_daily_searches
      where library_id = ${libraryId} and day between ${d.from}::date and ${d.to}::date ${locationFilter(locationKey)}`);
  }
  return sql.join(parts, sql` union all `);
}

/** `and location_key = …` for one place, nothing for every place (daily/hourly tables). */
export function locationFilter(locationKey: number | null): RawBuilder<unknown> {
  return locationKey === null ? sql`` : sql`and location_key = ${locationKey}`;
}
