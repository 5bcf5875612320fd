import { z } from 'zod';
import { addDays, daysBetween, weekStart } from '../../infra/calendar.ts';
import { monthStart, nextMonthStart, parseStatsQuery, previousPeriod, type DayRange, type StatsQuery } from './date-range.ts';
import type { CityBucket, CityRequestRow, CityStatsRepository, LibraryFigures } from './city-stats.repository.ts';
import { percentChange, type StatsService } from './stats.service.ts';

/** The figures a city page can rank libraries by. */
export const CITY_METRICS = ['visits', 'uniques', 'scans', 'bookOpens', 'pagesRead', 'searches', 'downloads', 'requests'] as const;
export type CityMetric = (typeof CITY_METRICS)[number];
export const MAX_CHOSEN = 56;
export const CITY_TOP_REQUESTS = 20;
/**
 * Libraries drawn in the over-time chart. Five lines stay tellable apart on a 360 px phone and
 * in a black-and-white print (each has its own colour AND dash pattern); past that the lines
 * tangle and the ranking table says it better. Chosen libraries beyond five are in the table.
 */
export const SERIES_LIBRARIES = 5;

export interface CityQuery {
  range: DayRange;
  preset: StatsQuery['preset'];
  sort: CityMetric;
  /** Libraries chosen for the comparison (null: every library). */
  chosen: number[] | null;
}

/** A figure next to the same figure of the previous period; `pct` null: the previous was 0 and this is not. */
export interface Change {
  previous: number;
  delta: number;
  pct: number | null;
}

export interface CitySeries {
  by: CityBucket;
  /** First day of each bucket, every bucket of the period (zeros included). */
  buckets: string[];
  /** The libraries drawn (at most SERIES_LIBRARIES), in ranking order, one value per bucket. */
  libraries: Array<{ libraryId: number; name: string; values: number[] }>;
  /** How many libraries were chosen (or exist) in all: more than drawn means the chart shows the top ones. */
  of: number;
}

export interface CityOverview {
  query: CityQuery;
  /** The same-length period just before (what `change` compares with). */
  previousRange: DayRange;
  /** Ranked by `sort`, highest first; `rank` 1 = first (ties share a rank). */
  libraries: Array<LibraryFigures & { rank: number; change: Record<CityMetric, Change> }>;
  totals: Record<CityMetric, number>;
  totalsChange: Record<CityMetric, Change>;
  series: CitySeries;
  topRequests: CityRequestRow[];
}

const schema = z.object({ sort: z.enum(CITY_METRICS).catch('visits') });

/**
 * Lenient like the ward dashboard's query: anything invalid falls back to the default
 * (last 30 days, every library, ranked by visits). The chosen libraries come as `libs=3,7` (links)
 * or as the form's checkboxes `lib-3=1&lib-7=1` (a parameter may not repeat in a query string).
 */
export function parseCityQuery(query: unknown, now: Date): CityQuery {
  const q = typeof query === 'object' && query ? (query as Record<string, unknown>) : {};
  const base = parseStatsQuery({ range: q.range, from: q.from, to: q.to }, now);
  const p = schema.parse(q);
  const ids: number[] = [];
  if (typeof q.libs === 'string') for (const part of q.libs.split(',')) ids.push(Number(part));
  for (const key of Object.keys(q)) {
    const m = /^lib-([1-9][0-9]{0,8})$/.exec(key);
    if (m) ids.push(Number(m[1]));
  }
  const chosen = [...new Set(ids.filter((n) => Number.isInteger(n) && n > 0 && n < 2_147_483_647))]
    .sort((a, b) => a - b)
    .slice(0, MAX_CHOSEN);
  return { range: base.range, preset: base.preset, sort: p.sort, chosen: chosen.length ? chosen : null };
}

/** City-wide figures for city leaders and city admins: per library, ranked, and compared. */
export class CityStatsService {
  constructor(
    private readonly repo: CityStatsRepository,
    private readonly stats: StatsService,
  ) {}

  async overview(query: CityQuery): Promise<CityOverview> {
    await this.stats.catchUp();
    const previousRange = previousPeriod(query.range);
    const [rows, previousRows, topRequests] = await Promise.all([
      this.repo.perLibrary(query.range, query.chosen),
      this.repo.perLibrary(previousRange, query.chosen),
      this.repo.topRequests(query.range, query.chosen, CITY_TOP_REQUESTS),
    ]);
    const before = new Map(previousRows.map((r) => [r.libraryId, r]));
    const sorted = [...rows].sort((a, b) => b[query.sort] - a[query.sort] || a.name.localeCompare(b.name, 'vi'));
    const libraries = sorted.map((row, i) => ({
      ...row,
      rank: i > 0 && sorted[i - 1][query.sort] === row[query.sort] ? 0 : i + 1,
      change: changes(row, before.get(row.libraryId)),
    }));
    // Ties share the rank of the first of them.
    for (let i = 1; i < libraries.length; i++) if (libraries[i].rank === 0) libraries[i].rank = libraries[i - 1].rank;
    const totals = sumOf(rows);
    const totalsChange = changes(totals, sumOf(previousRows));
    const series = await this.series(query, libraries);
    return { query, previousRange, libraries, totals, totalsChange, series, topRequests };
  }

  /** The ranked metric over the period for the top SERIES_LIBRARIES libraries of the ranking. */
  private async series(query: CityQuery, ranked: Array<{ libraryId: number; name: string }>): Promise<CitySeries> {
    const by = cityBucket(query.range);
    const buckets = bucketsOf(query.range, by);
    const drawn = ranked.slice(0, SERIES_LIBRARIES);
    const rows = await this.repo.seriesPerLibrary(
      query.range,
      drawn.map((l) => l.libraryId),
      query.sort,
      by,
    );
    const index = new Map(buckets.map((b, i) => [b, i]));
    const libraries = drawn.map((l) => ({ libraryId: l.libraryId, name: l.name, values: buckets.map(() => 0) }));
    const byId = new Map(libraries.map((l) => [l.libraryId, l]));
    for (const r of rows) {
      const i = index.get(r.bucket);
      const lib = byId.get(r.libraryId);
      if (i !== undefined && lib) lib.values[i] += r.value;
    }
    return { by, buckets, libraries, of: ranked.length };
  }
}

const sumOf = (rows: LibraryFigures[]) =>
  Object.fromEntries(CITY_METRICS.map((m) => [m, rows.reduce((s, r) => s + r[m], 0)])) as Record<CityMetric, number>;

function changes(now: Record<CityMetric, number>, before: Record<CityMetric, number> | undefined): Record<CityMetric, Change> {
  return Object.fromEntries(
    CITY_METRICS.map((m) => {
      const previous = before?.[m] ?? 0;
      return [m, { previous, delta: now[m] - previous, pct: percentChange(now[m], previous) }];
    }),
  ) as Record<CityMetric, Change>;
}

/** Day buckets up to two months (≤ 62 points), weeks up to a year (≤ 53), months beyond (≤ 61 for five years). */
export function cityBucket(range: DayRange): CityBucket {
  const days = daysBetween(range.from, range.to) + 1;
  return days <= 62 ? 'day' : days <= 366 ? 'week' : 'month';
}

/** The first day of every bucket that overlaps the range, in order. */
export function bucketsOf(range: DayRange, by: CityBucket): string[] {
  const out: string[] = [];
  if (by === 'day') for (let d = range.from; d <= range.to; d = addDays(d, 1)) out.push(d);
  else if (by === 'week') for (let d = weekStart(range.from); d <= range.to; d = addDays(d, 7)) out.push(d);
  else for (let d = monthStart(range.from); d <= range.to; d = nextMonthStart(d)) out.push(d);
  return out;
}
