import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { Location } from '../../db/schema/locations.ts';
import type { LocationsRepository } from '../locations/locations.repository.ts';
import { type DayRange, type StatsQuery } from './date-range.ts';
import type { EventsService } from './events.service.ts';
import type { RollupService } from './rollup.service.ts';
import type { BookRow, CategoryRow, LocationRow, SearchRow, SeriesPoint, StatsRepository, Totals } from './stats.repository.ts';

export const TOP_LIMIT = 20;
export const EXPORT_LIMIT = 1000;

export interface Dashboard {
  query: StatsQuery;
  totals: Totals;
  compareTotals: Totals | null;
  series: SeriesPoint[];
  locations: LocationRow[];
  topBooks: BookRow[];
  topCategories: CategoryRow[];
  topSearches: SearchRow[];
  zeroSearches: SearchRow[];
  newBooks: Array<{ month: string; books: number }>;
  headline: Headline;
  places: Location[];
}

export interface Headline {
  visits: number;
  scans: number;
  pagesRead: number;
  titles: number;
  places: number;
  since: string | null;
}

/** Tables that can be exported as CSV (one per dashboard table). */
export const EXPORT_TABLES = ['totals', 'series', 'locations', 'books', 'categories', 'searches', 'no-results', 'new-books'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

/** Assembles dashboards and reports from the rollups. */
export class StatsService {
  constructor(
    private readonly repo: StatsRepository,
    private readonly locations: LocationsRepository,
    private readonly events: EventsService,
    private readonly rollup: RollupService,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Before a dashboard is read: write this process's buffered events and fold what the rollup job
   * has not reached yet (normally a few seconds' worth; capped so a long-stopped job cannot make a
   * page slow — the job does the rest). A failure here only makes the figures a little older.
   */
  async catchUp(): Promise<void> {
    try {
      await this.events.flush();
      // Usually the job has folded everything: one read, no locks (a fold, even a no-op one, takes
      // the events write lock and the watermark's row lock, and waits for a running fold).
      if (await this.rollup.isCurrent()) return;
      await this.rollup.run({ maxEvents: 20_000 });
    } catch (err) {
      this.log.warn({ err }, 'statistics catch-up failed; showing the last rolled-up figures');
    }
  }

  /** One library's dashboard: every figure is that library's. */
  async dashboard(libraryId: number, query: StatsQuery): Promise<Dashboard> {
    await this.catchUp();
    const { range, locationKey } = query;
    const [totals, compareTotals, series, locations, topBooks, topCategories, topSearches, zeroSearches, newBooks, headline, places] =
      await Promise.all([
        this.repo.totals(libraryId, range, locationKey),
        query.compare ? this.repo.totals(libraryId, query.compare, locationKey) : Promise.resolve(null),
        this.repo.series(libraryId, range, locationKey, query.granularity),
        this.repo.byLocation(libraryId, range),
        this.repo.topBooks(libraryId, range, locationKey, TOP_LIMIT),
        this.repo.topCategories(libraryId, range, locationKey, TOP_LIMIT),
        this.repo.topSearches(libraryId, range, locationKey, TOP_LIMIT, false),
        this.repo.topSearches(libraryId, range, locationKey, TOP_LIMIT, true),
        this.repo.newBooksPerMonth(libraryId, range.to, 12),
        this.repo.headline(libraryId),
        this.locations.list(libraryId),
      ]);
    return {
      query,
      totals,
      compareTotals,
      series,
      locations,
      topBooks,
      topCategories,
      topSearches,
      zeroSearches,
      newBooks,
      headline,
      places,
    };
  }

  async headline(libraryId: number): Promise<Headline> {
    await this.catchUp();
    return this.repo.headline(libraryId);
  }

  /** One table as rows of cells (first row: header keys, translated by the caller). */
  async exportTable(
    libraryId: number,
    table: ExportTable,
    query: StatsQuery,
  ): Promise<{ columns: string[]; rows: Array<Array<string | number>> }> {
    await this.catchUp();
    const { range, locationKey } = query;
    switch (table) {
      case 'totals': {
        const t = await this.repo.totals(libraryId, range, locationKey);
        const c = query.compare ? await this.repo.totals(libraryId, query.compare, locationKey) : null;
        const keys = Object.keys(t) as Array<keyof Totals>;
        return {
          columns: c ? ['metric', 'period', 'value', 'comparePeriod', 'compareValue'] : ['metric', 'period', 'value'],
          rows: keys.map((k) => (c ? [k, rangeLabel(range), t[k], rangeLabel(query.compare!), c[k]] : [k, rangeLabel(range), t[k]])),
        };
      }
      case 'series': {
        const s = await this.repo.series(libraryId, range, locationKey, query.granularity);
        return {
          columns: ['bucket', 'visits', 'uniques', 'scans', 'bookOpens', 'pagesRead', 'searches'],
          rows: s.map((p) => [p.bucket, p.visits, p.uniques, p.scans, p.bookOpens, p.pagesRead, p.searches]),
        };
      }
      case 'locations': {
        const l = await this.repo.byLocation(libraryId, range);
        return {
          columns: ['locationKey', 'place', 'code', 'visits', 'uniques', 'scans', 'botHits', 'bookOpens', 'pagesRead', 'searches'],
          rows: l.map((r) => [
            r.locationKey,
            r.name ?? '',
            r.code ?? '',
            r.visits,
            r.uniques,
            r.scans,
            r.botHits,
            r.bookOpens,
            r.pagesRead,
            r.searches,
          ]),
        };
      }
      case 'books': {
        const b = await this.repo.topBooks(libraryId, range, locationKey, EXPORT_LIMIT);
        return {
          columns: ['bookId', 'title', 'opens', 'pagesRead', 'downloads', 'scans'],
          rows: b.map((r) => [r.bookId, r.title ?? '', r.opens, r.pagesRead, r.downloads, r.scans]),
        };
      }
      case 'categories': {
        const c = await this.repo.topCategories(libraryId, range, locationKey, EXPORT_LIMIT);
        return { columns: ['category', 'opens', 'pagesRead'], rows: c.map((r) => [r.name, r.opens, r.pagesRead]) };
      }
      case 'searches':
      case 'no-results': {
        const s = await this.repo.topSearches(libraryId, range, locationKey, EXPORT_LIMIT, table === 'no-results');
        return { columns: ['query', 'searches', 'zeroResults'], rows: s.map((r) => [r.query, r.searches, r.zeroResults]) };
      }
      case 'new-books': {
        const n = await this.repo.newBooksPerMonth(libraryId, range.to, 24);
        return { columns: ['month', 'books'], rows: n.map((r) => [r.month, r.books]) };
      }
    }
  }

  today(): Date {
    return this.clock.now();
  }
}

export const rangeLabel = (r: DayRange) => (r.from === r.to ? r.from : `${r.from}..${r.to}`);

/** Relative change in percent, or null when there is nothing to compare with. */
export function percentChange(current: number, previous: number): number | null {
  if (previous === 0) return current === 0 ? 0 : null;
  return Math.round(((current - previous) / previous) * 1000) / 10;
}

/** "4,300+" style: rounded down to two significant figures, so the claim is always true. */
export function roundedDown(n: number): { value: number; plus: boolean } {
  if (n < 100) return { value: n, plus: false };
  const magnitude = 10 ** (Math.floor(Math.log10(n)) - 1);
  const value = Math.floor(n / magnitude) * magnitude;
  return { value, plus: value < n };
}
