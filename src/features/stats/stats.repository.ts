import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DayRange, Granularity } from './date-range.ts';
import { booksSource, countersSource, locationFilter, searchesSource } from './rollup-sources.ts';
import { libraryDayStart, addDays, LIBRARY_TIME_ZONE } from '../../infra/calendar.ts';
import { onShelf } from '../libraries/shelf.ts';

export interface Totals {
  visits: number;
  uniques: number;
  scans: number;
  botHits: number;
  bookOpens: number;
  pagesRead: number;
  searches: number;
  zeroSearches: number;
  downloads: number;
  phone: number;
  tablet: number;
  desktop: number;
}

export interface SeriesPoint {
  bucket: string;
  visits: number;
  uniques: number;
  scans: number;
  bookOpens: number;
  pagesRead: number;
  searches: number;
}

export interface LocationRow {
  locationKey: number;
  name: string | null;
  code: string | null;
  active: boolean | null;
  visits: number;
  uniques: number;
  scans: number;
  botHits: number;
  bookOpens: number;
  pagesRead: number;
  searches: number;
}

export interface BookRow {
  bookId: number;
  title: string | null;
  opens: number;
  pagesRead: number;
  downloads: number;
  scans: number;
}

export interface CategoryRow {
  slug: string;
  name: string;
  opens: number;
  pagesRead: number;
}

export interface SearchRow {
  query: string;
  searches: number;
  zeroResults: number;
}

/**
 * Dashboard queries of ONE library (every query takes its id: a ward's dashboard never sees another
 * ward's rows). They read only the rollup tables (and the small books/locations/categories tables
 * for names), never stats_events: their cost grows with days × places, not with traffic.
 */
export class StatsRepository {
  constructor(private readonly db: Database) {}

  async totals(libraryId: number, range: DayRange, locationKey: number | null): Promise<Totals> {
    // Every place: whole months from the monthly roll-up, site-wide uniques included (not the sum
    // over places: one person can arrive from two in a day). One place: its daily rows.
    const source =
      locationKey === null
        ? countersSource(range, [libraryId])
        : sql`select * from stats_daily where library_id = ${libraryId} and day between ${range.from}::date and ${range.to}::date ${locationFilter(locationKey)}`;
    const r = await sql<Record<string, number | string | null>>`
      select coalesce(sum(visits), 0) as visits, coalesce(sum(scans), 0) as scans, coalesce(sum(bot_hits), 0) as bot_hits,
        coalesce(sum(book_opens), 0) as book_opens, coalesce(sum(pages_read), 0) as pages_read,
        coalesce(sum(searches), 0) as searches, coalesce(sum(zero_searches), 0) as zero_searches,
        coalesce(sum(downloads), 0) as downloads, coalesce(sum(uniques), 0) as uniques,
        coalesce(sum(visits_phone), 0) as phone, coalesce(sum(visits_tablet), 0) as tablet, coalesce(sum(visits_desktop), 0) as desktop
      from (${source}) src`.execute(this.db);
    const row = r.rows[0] ?? {};
    const n = (k: string) => Number(row[k] ?? 0);
    return {
      visits: n('visits'),
      uniques: n('uniques'),
      scans: n('scans'),
      botHits: n('bot_hits'),
      bookOpens: n('book_opens'),
      pagesRead: n('pages_read'),
      searches: n('searches'),
      zeroSearches: n('zero_searches'),
      downloads: n('downloads'),
      phone: n('phone'),
      tablet: n('tablet'),
      desktop: n('desktop'),
    };
  }

  /** Per hour (one day), per day or per ISO week; every bucket of the range is present, zeros included. */
  async series(libraryId: number, range: DayRange, locationKey: number | null, by: Granularity): Promise<SeriesPoint[]> {
    if (by === 'hour') return this.hourly(libraryId, range, locationKey);
    const step = by === 'week' ? sql`interval '1 week'` : sql`interval '1 day'`;
    const bucket = by === 'week' ? sql`date_trunc('week', day)::date` : sql`day`;
    const uniques = locationKey === null ? sql`coalesce(s.uniques, 0)` : sql`coalesce(d.uniques, 0)`;
    const r = await sql<Record<string, string | number>>`
      with d as (
        select ${bucket} as b, sum(visits) as visits, sum(scans) as scans, sum(book_opens) as book_opens,
          sum(pages_read) as pages_read, sum(searches) as searches, sum(uniques) as uniques
        from stats_daily where library_id = ${libraryId} and day between ${range.from}::date and ${range.to}::date ${locationFilter(locationKey)} group by 1
      ), s as (
        select ${by === 'week' ? sql`date_trunc('week', day)::date` : sql`day`} as b, sum(uniques) as uniques
        from stats_daily_site where library_id = ${libraryId} and day between ${range.from}::date and ${range.to}::date group by 1
      ), buckets as (
        select g::date as b from generate_series(
          ${by === 'week' ? sql`date_trunc('week', ${range.from}::date)` : sql`${range.from}::date`}, ${range.to}::date, ${step}) g
      )
      select to_char(buckets.b, 'YYYY-MM-DD') as bucket, coalesce(d.visits, 0) as visits, ${uniques} as uniques,
        coalesce(d.scans, 0) as scans, coalesce(d.book_opens, 0) as book_opens, coalesce(d.pages_read, 0) as pages_read,
        coalesce(d.searches, 0) as searches
      from buckets left join d on d.b = buckets.b left join s on s.b = buckets.b order by buckets.b`.execute(this.db);
    return r.rows.map(toPoint);
  }

  private async hourly(libraryId: number, range: DayRange, locationKey: number | null): Promise<SeriesPoint[]> {
    const from = libraryDayStart(range.from);
    const to = libraryDayStart(addDays(range.to, 1));
    const r = await sql<Record<string, string | number>>`
      with h as (
        select hour, sum(visits) as visits, sum(scans) as scans, sum(book_opens) as book_opens, sum(pages_read) as pages_read, sum(searches) as searches
        from stats_hourly where library_id = ${libraryId} and hour >= ${from} and hour < ${to} ${locationFilter(locationKey)} group by 1
      ), buckets as (
        select g as hour from generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 hour', interval '1 hour') g
      )
      select to_char(buckets.hour at time zone ${LIBRARY_TIME_ZONE}, 'HH24:00') as bucket, coalesce(h.visits, 0) as visits, 0 as uniques,
        coalesce(h.scans, 0) as scans, coalesce(h.book_opens, 0) as book_opens, coalesce(h.pages_read, 0) as pages_read,
        coalesce(h.searches, 0) as searches
      from buckets left join h on h.hour = buckets.hour order by buckets.hour`.execute(this.db);
    return r.rows.map(toPoint);
  }

  /** Every place with activity in the range, plus every active place (zeros show where posters are idle). */
  async byLocation(libraryId: number, range: DayRange): Promise<LocationRow[]> {
    const r = await sql<Record<string, string | number | boolean | null>>`
      with d as (
        select location_key, sum(visits) as visits, sum(uniques) as uniques, sum(scans) as scans, sum(bot_hits) as bot_hits,
          sum(book_opens) as book_opens, sum(pages_read) as pages_read, sum(searches) as searches
        from stats_daily where library_id = ${libraryId} and day between ${range.from}::date and ${range.to}::date group by 1
      ), keys as (
        select location_key from d union select id from locations where active and library_id = ${libraryId}
      )
      select keys.location_key, l.name, l.code, l.active,
        coalesce(d.visits, 0) as visits, coalesce(d.uniques, 0) as uniques, coalesce(d.scans, 0) as scans, coalesce(d.bot_hits, 0) as bot_hits,
        coalesce(d.book_opens, 0) as book_opens, coalesce(d.pages_read, 0) as pages_read, coalesce(d.searches, 0) as searches
      from keys left join d on d.location_key = keys.location_key left join locations l on l.id = keys.location_key
      order by coalesce(d.visits, 0) desc, coalesce(d.scans, 0) desc, l.name nulls first`.execute(this.db);
    return r.rows.map((row) => ({
      locationKey: Number(row.location_key),
      name: (row.name as string | null) ?? null,
      code: (row.code as string | null) ?? null,
      active: (row.active as boolean | null) ?? null,
      visits: Number(row.visits),
      uniques: Number(row.uniques),
      scans: Number(row.scans),
      botHits: Number(row.bot_hits),
      bookOpens: Number(row.book_opens),
      pagesRead: Number(row.pages_read),
      searches: Number(row.searches),
    }));
  }

  async topBooks(libraryId: number, range: DayRange, locationKey: number | null, limit: number): Promise<BookRow[]> {
    const r = await sql<Record<string, string | number | null>>`
      with d as (
        select book_id, sum(opens) as opens, sum(pages_read) as pages_read, sum(downloads) as downloads, sum(scans) as scans
        from (${booksSource(libraryId, range, locationKey)}) src
        group by 1 order by 2 desc, 3 desc, 1 limit ${limit}
      )
      select d.*, b.title from d left join books b on b.id = d.book_id order by d.opens desc, d.pages_read desc, d.book_id`.execute(
      this.db,
    );
    return r.rows.map((row) => ({
      bookId: Number(row.book_id),
      title: (row.title as string | null) ?? null,
      opens: Number(row.opens),
      pagesRead: Number(row.pages_read),
      downloads: Number(row.downloads),
      scans: Number(row.scans),
    }));
  }

  /** A book in two categories counts in both (categories as they are today). */
  async topCategories(libraryId: number, range: DayRange, locationKey: number | null, limit: number): Promise<CategoryRow[]> {
    const r = await sql<Record<string, string | number>>`
      with d as (
        select book_id, sum(opens) as opens, sum(pages_read) as pages_read from (${booksSource(libraryId, range, locationKey)}) src group by 1
      )
      select c.slug, c.name, sum(d.opens) as opens, sum(d.pages_read) as pages_read
      from d join book_categories bc on bc.book_id = d.book_id
        join categories c on c.id = bc.category_id and c.library_id = ${libraryId}
      group by c.id, c.slug, c.name order by 3 desc, 4 desc, c.name limit ${limit}`.execute(this.db);
    return r.rows.map((row) => ({
      slug: String(row.slug),
      name: String(row.name),
      opens: Number(row.opens),
      pagesRead: Number(row.pages_read),
    }));
  }

  /** Most frequent searches, or (zeroOnly) the searches that found nothing: what readers miss. */
  async topSearches(
    libraryId: number,
    range: DayRange,
    locationKey: number | null,
    limit: number,
    zeroOnly: boolean,
  ): Promise<SearchRow[]> {
    const r = await sql<Record<string, string | number>>`
      select query, sum(searches) as searches, sum(zero_results) as zero_results
      from (${searchesSource(libraryId, range, locationKey)}) src
      group by 1 ${zeroOnly ? sql`having sum(zero_results) > 0 order by 3 desc, 2 desc` : sql`order by 2 desc, 3 desc`}, 1 limit ${limit}`.execute(
      this.db,
    );
    return r.rows.map((row) => ({ query: String(row.query), searches: Number(row.searches), zeroResults: Number(row.zero_results) }));
  }

  /** Books published per month (local time), the last `months` months up to `toDay`, zeros included. */
  async newBooksPerMonth(libraryId: number, toDay: string, months: number): Promise<Array<{ month: string; books: number }>> {
    const r = await sql<{ month: string; books: string | number }>`
      with m as (
        select g::date as month from generate_series(date_trunc('month', ${toDay}::date) - ${months - 1} * interval '1 month',
          date_trunc('month', ${toDay}::date), interval '1 month') g
      ), b as (
        select date_trunc('month', published_at at time zone ${LIBRARY_TIME_ZONE})::date as month, count(*) as books
        from books where published_at is not null and ${onShelf(libraryId)} group by 1
      )
      select to_char(m.month, 'YYYY-MM') as month, coalesce(b.books, 0) as books from m left join b on b.month = m.month order by m.month`.execute(
      this.db,
    );
    return r.rows.map((row) => ({ month: row.month, books: Number(row.books) }));
  }

  /**
   * Figures for the headline card: all-time visits and scans, titles on the shelves, first day with
   * data. All-time sums come from the monthly roll-up (a row per month, not per place and day).
   */
  async headline(
    libraryId: number,
  ): Promise<{ visits: number; scans: number; pagesRead: number; titles: number; places: number; since: string | null }> {
    const r = await sql<Record<string, string | number | null>>`
      select d.visits, d.scans, d.pages_read, d.since,
        (select count(*) from books where status = 'published' and ${onShelf(libraryId)}) as titles,
        (select count(*) from locations where active and library_id = ${libraryId}) as places
      from (
        select m.visits, m.scans, m.pages_read,
          (select to_char(min(day), 'YYYY-MM-DD') from stats_daily
           where library_id = ${libraryId} and visits > 0 and day >= m.first and day < (m.first + interval '1 month')::date) as since
        from (
          select coalesce(sum(visits), 0) as visits, coalesce(sum(scans), 0) as scans, coalesce(sum(pages_read), 0) as pages_read,
            min(month) filter (where visits > 0) as first
          from stats_monthly_library where library_id = ${libraryId}
        ) m
      ) d`.execute(this.db);
    const row = r.rows[0] ?? {};
    return {
      visits: Number(row.visits ?? 0),
      scans: Number(row.scans ?? 0),
      pagesRead: Number(row.pages_read ?? 0),
      titles: Number(row.titles ?? 0),
      places: Number(row.places ?? 0),
      since: (row.since as string | null) ?? null,
    };
  }
}

function toPoint(row: Record<string, string | number>): SeriesPoint {
  return {
    bucket: String(row.bucket),
    visits: Number(row.visits),
    uniques: Number(row.uniques),
    scans: Number(row.scans),
    bookOpens: Number(row.book_opens),
    pagesRead: Number(row.pages_read),
    searches: Number(row.searches),
  };
}
