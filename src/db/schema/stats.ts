import type { ColumnType, Generated } from 'kysely';
import type { Device, EventKind, Origin } from '../../features/stats/events.ts';

/**
 * Raw statistics events, appended in batches by the events buffer. No IP address, no user agent:
 * only the daily visitor hash (irreversible once the day's salt is deleted) and a device class.
 */
export interface StatsEventsTable {
  id: Generated<number>;
  /** The library whose site the event happened on; for a scan, the location's library (migration 0016). */
  library_id: number;
  occurred_at: Date;
  kind: EventKind;
  origin: Origin;
  location_id: number | null;
  book_id: number | null;
  query: string | null;
  result_count: number | null;
  pages: number | null;
  visitor_hash: Buffer | null;
  device: Device | null;
  is_bot: boolean;
  /** On a scan: this scan also started a visit (counted as one, without a separate visit row). */
  starts_visit: boolean;
}

/** One random salt per local day; rows for past days are deleted. */
export interface StatsSaltsTable {
  day: ColumnType<string, string, string>;
  salt: Buffer;
  created_at: ColumnType<Date, never, never>;
}

/** How far the rollup job has read stats_events (by id). */
export interface StatsRollupStateTable {
  name: string;
  last_event_id: number;
  updated_at: ColumnType<Date, never, Date>;
}

/** Counters shared by the hourly and daily rollups. */
interface Counters {
  visits: Generated<number>;
  scans: Generated<number>;
  bot_hits: Generated<number>;
  book_opens: Generated<number>;
  pages_read: Generated<number>;
  searches: Generated<number>;
  zero_searches: Generated<number>;
  downloads: Generated<number>;
}

/**
 * location_key: a location id for visits that came through an active location's QR code,
 * 0 for direct visits (no QR code), -1 for QR codes of deactivated locations.
 */
export interface StatsHourlyTable extends Counters {
  library_id: number;
  hour: Date;
  location_key: number;
}

export interface StatsDailyTable extends Counters {
  library_id: number;
  day: ColumnType<string, string, string>;
  location_key: number;
  uniques: Generated<number>;
  visits_phone: Generated<number>;
  visits_tablet: Generated<number>;
  visits_desktop: Generated<number>;
}

/** Unique visitors of the whole site per day (not the sum over locations: one person may visit two). */
export interface StatsDailySiteTable {
  library_id: number;
  day: ColumnType<string, string, string>;
  uniques: Generated<number>;
}

/** The set of visitor hashes already counted per day and location key (SITE_KEY = site-wide). */
export interface StatsDailyVisitorsTable {
  library_id: number;
  day: ColumnType<string, string, string>;
  location_key: number;
  visitor_hash: Buffer;
}

export interface StatsDailyBooksTable {
  library_id: number;
  day: ColumnType<string, string, string>;
  location_key: number;
  book_id: number;
  opens: Generated<number>;
  pages_read: Generated<number>;
  downloads: Generated<number>;
  scans: Generated<number>;
}

export interface StatsDailySearchesTable {
  library_id: number;
  day: ColumnType<string, string, string>;
  location_key: number;
  query: string;
  searches: Generated<number>;
  zero_results: Generated<number>;
}

/** Monthly copies of the books/searches rollups; location_key -2 (SITE_KEY) = every place. */
export interface StatsMonthlyBooksTable {
  library_id: number;
  month: ColumnType<string, string, string>;
  location_key: number;
  book_id: number;
  opens: Generated<number>;
  pages_read: Generated<number>;
  downloads: Generated<number>;
  scans: Generated<number>;
}

export interface StatsMonthlySearchesTable {
  library_id: number;
  month: ColumnType<string, string, string>;
  location_key: number;
  query: string;
  searches: Generated<number>;
  zero_results: Generated<number>;
}

/**
 * One library's month (migration 0019): the sum of its stats_daily rows (every place) and of its
 * stats_daily_site uniques. Recomputed by the rollup for each month a chunk touches.
 */
export interface StatsMonthlyLibraryTable extends Counters {
  library_id: number;
  /** The month's first day (local calendar). */
  month: ColumnType<string, string, string>;
  uniques: Generated<number>;
  visits_phone: Generated<number>;
  visits_tablet: Generated<number>;
  visits_desktop: Generated<number>;
}

/** Pages counted per visitor (daily hash), book and day: the "pages read" beacon's bound (migration 0007). */
export interface ReadingCreditsTable {
  library_id: number;
  day: ColumnType<string, string, string>;
  visitor: Buffer;
  book_id: number;
  /** Page numbers already counted today (sorted). */
  pages: Generated<number[]>;
  /** Pages counted today: the size of `pages`, or more for readers that report a count only. */
  counted: Generated<number>;
}
