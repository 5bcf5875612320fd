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

const COUNTERS = sql.raw(
  'visits, uniques, scans, bot_hits, book_opens, pages_read, searches, zero_searches, downloads, visits_phone, visits_tablet, visits_desktop',
);

/**
 * Site-wide counters per library and day over a range (columns: library_id, day, then COUNTERS; sum
 * them), for the city pages and a ward's every-place totals.
 * With `months` (the default), whole months come from stats_monthly_library (one row per library
 * and month, `day` = the month's first day) and only the loose days at either end from the daily
 * tables, so a 2-year city page reads ~56 × 24 rows instead of every place's every day. Without it
 * (day or week buckets), every row has its real day. Uniques are the sum of daily site uniques.
 * `only`: one kind of figure is read (the rows of the other kind would only add zeros).
 */
export function countersSource(
  range: DayRange,
  libraryIds: number[] | null,
  opts: { months?: boolean; only?: 'counters' | 'uniques' } = {},
): RawBuilder<unknown> {
  const split = opts.months === false ? { months: null, days: [range] } : splitRange(range);
  const ids = libraryIds ? sql`and library_id = any(${libraryIds}::int[])` : sql``;
  const parts: RawBuilder<unknown>[] = [];
  if (split.months) {
    parts.push(
      sql`select library_id, month as day, ${COUNTERS} from stats_monthly_library where month between ${split.months.from}::date and ${split.months.to}::date ${ids}`,
    );
  }
  for (const d of split.days) {
    // `only`: a caller reading one figure skips the daily table that cannot hold it.
    if (opts.only !== 'uniques')
      parts.push(sql`select library_id, day, visits, 0 as uniques, scans, bot_hits, book_opens, pages_read, searches, zero_searches,
        downloads, visits_phone, visits_tablet, visits_desktop from stats_daily where day between ${d.from}::date and ${d.to}::date ${ids}`);
    if (opts.only !== 'counters')
      parts.push(
        sql`select library_id, day, 0, uniques, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 from stats_daily_site where day between ${d.from}::date and ${d.to}::date ${ids}`,
      );
  }
  return sql.join(parts, sql` union all `);
}
