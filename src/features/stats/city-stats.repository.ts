import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { addDays, libraryDayStart, LIBRARY_TIME_ZONE } from '../../infra/calendar.ts';
import type { DayRange } from './date-range.ts';
import { countersSource } from './rollup-sources.ts';

/** A figure the city pages chart over time (the same names as LibraryFigures' counters). */
export type SeriesMetric = 'visits' | 'uniques' | 'scans' | 'bookOpens' | 'pagesRead' | 'searches' | 'downloads' | 'requests';
export type CityBucket = 'day' | 'week' | 'month';

/** Counter columns by metric (a fixed map: never a column name from the request). */
const COLUMN: Record<Exclude<SeriesMetric, 'requests'>, string> = {
  visits: 'visits',
  uniques: 'uniques',
  scans: 'scans',
  bookOpens: 'book_opens',
  pagesRead: 'pages_read',
  searches: 'searches',
  downloads: 'downloads',
};

/** One library's figures over a range (city pages). */
export interface LibraryFigures {
  libraryId: number;
  slug: string;
  name: string;
  isDefault: boolean;
  visits: number;
  /** Sum of the library's daily unique visitors (a person counts once per library and day). */
  uniques: number;
  scans: number;
  bookOpens: number;
  pagesRead: number;
  searches: number;
  zeroSearches: number;
  downloads: number;
  /** Books readers asked for (book_requests) that were searched in the range, and still open. */
  requests: number;
}

/** A book readers asked for, with the library where they asked. */
export interface CityRequestRow {
  libraryId: number;
  libraryName: string;
  label: string;
  searches: number;
  lastSeenAt: Date;
}

/**
 * City-wide statistics: every library's rollup rows, grouped by library. Reads only rollups (and the
 * small libraries / book_requests tables), so the cost grows with libraries × days, not with traffic.
 */
export class CityStatsRepository {
  constructor(private readonly db: Database) {}

  /** Every library (or the chosen ones), zeros included: an idle ward shows as idle. */
  async perLibrary(range: DayRange, libraryIds: number[] | null): Promise<LibraryFigures[]> {
    const from = libraryDayStart(range.from);
    const to = libraryDayStart(addDays(range.to, 1));
    const chosen = libraryIds ? sql`where l.id = any(${libraryIds}::int[])` : sql``;
    const r = await sql<Record<string, string | number | boolean | null>>`
      with d as (
        select library_id, sum(visits) as visits, sum(uniques) as uniques, sum(scans) as scans, sum(book_opens) as book_opens,
          sum(pages_read) as pages_read, sum(searches) as searches, sum(zero_searches) as zero_searches, sum(downloads) as downloads
        from (${countersSource(range, null)}) src group by 1
      ), r as (
        select library_id, count(*) as requests from book_requests
        where status = 'open' and last_seen_at >= ${from} and last_seen_at < ${to} group by 1
      )
      select l.id, l.slug, l.name, l.is_default,
        coalesce(d.visits, 0) as visits, coalesce(d.uniques, 0) as uniques, coalesce(d.scans, 0) as scans,
        coalesce(d.book_opens, 0) as book_opens, coalesce(d.pages_read, 0) as pages_read, coalesce(d.searches, 0) as searches,
        coalesce(d.zero_searches, 0) as zero_searches, coalesce(d.downloads, 0) as downloads, coalesce(r.requests, 0) as requests
      from libraries l left join d on d.library_id = l.id left join r on r.library_id = l.id
      ${chosen}
      order by l.name, l.id`.execute(this.db);
    return r.rows.map((row) => ({
      libraryId: Number(row.id),
      slug: String(row.slug),
      name: String(row.name),
      isDefault: row.is_default === true,
      visits: Number(row.visits),
      uniques: Number(row.uniques),
      scans: Number(row.scans),
      bookOpens: Number(row.book_opens),
      pagesRead: Number(row.pages_read),
      searches: Number(row.searches),
      zeroSearches: Number(row.zero_searches),
      downloads: Number(row.downloads),
      requests: Number(row.requests),
    }));
  }

  /**
   * One metric of the given libraries per bucket (the bucket's first day: the day, the ISO week's
   * Monday or the month's 1st), only buckets with something in them (the service fills the zeros).
   * Only days inside the range count, also in a first or last bucket that reaches outside it.
   * "requests" counts open requests by the local day they were last seen, like the ranking does.
   */
  async seriesPerLibrary(
    range: DayRange,
    libraryIds: number[],
    metric: SeriesMetric,
    by: CityBucket,
  ): Promise<Array<{ libraryId: number; bucket: string; value: number }>> {
    if (libraryIds.length === 0) return [];
    const unit = sql.lit(by);
    let source;
    if (metric === 'requests') {
      const from = libraryDayStart(range.from);
      const to = libraryDayStart(addDays(range.to, 1));
      source = sql`select library_id, (last_seen_at at time zone ${LIBRARY_TIME_ZONE})::date as day, 1 as v from book_requests
        where status = 'open' and last_seen_at >= ${from} and last_seen_at < ${to} and library_id = any(${libraryIds}::int[])`;
    } else {
      const only = metric === 'uniques' ? 'uniques' : 'counters';
      source = sql`select library_id, day, ${sql.ref(COLUMN[metric])} as v from (${countersSource(range, libraryIds, { months: by === 'month', only })}) c`;
    }
    // Summed per library and day first: the bucket is computed once per day, not once per place.
    const r = await sql<{ library_id: number; bucket: string; value: string | number }>`
      select library_id, to_char(date_trunc(${unit}, day::timestamp), 'YYYY-MM-DD') as bucket, sum(v) as value
      from (select library_id, day, sum(v) as v from (${source}) src group by 1, 2) per_day
      group by 1, 2 having sum(v) <> 0`.execute(this.db);
    return r.rows.map((row) => ({ libraryId: Number(row.library_id), bucket: row.bucket, value: Number(row.value) }));
  }

  /** The most asked-for books across the city (or the chosen libraries), open requests seen in the range. */
  async topRequests(range: DayRange, libraryIds: number[] | null, limit: number): Promise<CityRequestRow[]> {
    const from = libraryDayStart(range.from);
    const to = libraryDayStart(addDays(range.to, 1));
    const chosen = libraryIds ? sql`and r.library_id = any(${libraryIds}::int[])` : sql``;
    const rows = await sql<{ library_id: number; library_name: string; label: string; searches: number; last_seen_at: Date }>`
      select r.library_id, l.name as library_name, r.label, r.searches, r.last_seen_at
      from book_requests r join libraries l on l.id = r.library_id
      where r.status = 'open' and r.last_seen_at >= ${from} and r.last_seen_at < ${to} ${chosen}
      order by r.searches desc, r.last_seen_at desc, r.id limit ${limit}`.execute(this.db);
    return rows.rows.map((row) => ({
      libraryId: Number(row.library_id),
      libraryName: row.library_name,
      label: row.label,
      searches: Number(row.searches),
      lastSeenAt: row.last_seen_at,
    }));
  }
}
