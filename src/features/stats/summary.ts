import type { DayRange } from './date-range.ts';
import { libraryDate, libraryHour } from '../../infra/calendar.ts';
import { monthRange } from './date-range.ts';
import type { Dashboard } from './stats.service.ts';
import type { LocationRow } from './stats.repository.ts';
import { percentChange } from './stats.service.ts';

/** A period as the summary names it: a calendar month ("Tháng 11") or a range of days. */
export type PeriodName = { kind: 'month'; month: string } | { kind: 'range'; range: DayRange };

/**
 * The facts behind the dashboard's one-sentence summary ("Tháng 11: 1.234 lượt đọc, tăng 12 % so
 * với tháng 10; nhiều nhất ở Nhà văn hoá tổ 5"). Data only: the view words it in the reader's
 * language. "Reads" are book opens — what a leader means by "lượt đọc".
 */
export interface SummaryFacts {
  period: PeriodName;
  reads: number;
  /** null when the dashboard compares with nothing. `pct` null: the earlier period had no reads. */
  change: { dir: 'up' | 'down' | 'same'; pct: number | null; compare: PeriodName } | null;
  /** The place (a real QR location) with the most reads; null when filtered to one place or none read. */
  topPlace: LocationRow | null;
}

/** A range named as a month when it starts on the 1st and stays inside that month (month to date). */
export function periodName(range: DayRange, wholeMonthOnly = false): PeriodName {
  const month = range.from.slice(0, 7);
  const full = monthRange(month);
  if (range.from.endsWith('-01') && full && range.to <= full.to && range.to.startsWith(month)) {
    if (!wholeMonthOnly || range.to === full.to) return { kind: 'month', month };
  }
  return { kind: 'range', range };
}

export function summaryFacts(d: Dashboard): SummaryFacts {
  const reads = d.totals.bookOpens;
  let change: SummaryFacts['change'] = null;
  if (d.compareTotals && d.query.compare) {
    const pct = percentChange(reads, d.compareTotals.bookOpens);
    change = {
      dir: pct === null || pct > 0 ? 'up' : pct < 0 ? 'down' : 'same',
      pct: pct === null ? null : Math.abs(pct),
      compare: periodName(d.query.compare, true),
    };
  }
  let topPlace: LocationRow | null = null;
  if (d.query.location === 'all') {
    for (const l of d.locations) {
      if (l.locationKey > 0 && l.bookOpens > 0 && (!topPlace || l.bookOpens > topPlace.bookOpens)) topPlace = l;
    }
  }
  // "Tháng 11" for a whole month or this month so far; a single day or a custom range is named by its dates.
  return { period: periodName(d.query.range, d.query.preset !== 'month'), reads, change, topPlace };
}

/**
 * How many leading buckets of a series have begun at `now` (days of the current month still to
 * come are not drawn). `day`: the day an hourly series ("HH:00" buckets) is about.
 */
export function bucketsBegun(buckets: string[], now: Date, day: string): number {
  if (buckets.length === 0) return 0;
  const today = libraryDate(now);
  const hour = libraryHour(now);
  if (/^\d\d:00$/.test(buckets[0])) {
    if (day < today) return buckets.length;
    if (day > today) return 0;
    return buckets.filter((b) => Number(b.slice(0, 2)) <= hour).length;
  }
  return buckets.filter((b) => b <= today).length;
}
