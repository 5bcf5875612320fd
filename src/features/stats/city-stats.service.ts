import { z } from 'zod';
import { parseStatsQuery, type DayRange, type StatsQuery } from './date-range.ts';
import type { CityRequestRow, CityStatsRepository, LibraryFigures } from './city-stats.repository.ts';
import type { StatsService } from './stats.service.ts';

/** The figures a city page can rank libraries by. */
export const CITY_METRICS = ['visits', 'uniques', 'scans', 'bookOpens', 'pagesRead', 'searches', 'downloads', 'requests'] as const;
export type CityMetric = (typeof CITY_METRICS)[number];
export const MAX_CHOSEN = 56;
export const CITY_TOP_REQUESTS = 20;

export interface CityQuery {
  range: DayRange;
  preset: StatsQuery['preset'];
  sort: CityMetric;
  /** Libraries chosen for the comparison (null: every library). */
  chosen: number[] | null;
}

export interface CityOverview {
  query: CityQuery;
  /** Ranked by `sort`, highest first; `rank` 1 = first (ties share a rank). */
  libraries: Array<LibraryFigures & { rank: number }>;
  totals: Record<CityMetric, number>;
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
    const [rows, topRequests] = await Promise.all([
      this.repo.perLibrary(query.range, query.chosen),
      this.repo.topRequests(query.range, query.chosen, CITY_TOP_REQUESTS),
    ]);
    const sorted = [...rows].sort((a, b) => b[query.sort] - a[query.sort] || a.name.localeCompare(b.name, 'vi'));
    const libraries = sorted.map((row, i) => ({
      ...row,
      rank: i > 0 && sorted[i - 1][query.sort] === row[query.sort] ? 0 : i + 1,
    }));
    // Ties share the rank of the first of them.
    for (let i = 1; i < libraries.length; i++) if (libraries[i].rank === 0) libraries[i].rank = libraries[i - 1].rank;
    const totals = Object.fromEntries(CITY_METRICS.map((m) => [m, rows.reduce((s, r) => s + r[m], 0)])) as Record<CityMetric, number>;
    return { query, libraries, totals, topRequests };
  }
}
