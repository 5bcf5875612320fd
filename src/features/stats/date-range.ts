import { z } from 'zod';
import { addDays, daysBetween, isIsoDate, libraryDate } from '../../infra/calendar.ts';
import { DIRECT_KEY, INACTIVE_KEY } from './location-keys.ts';

export type Preset = 'today' | '7d' | '30d' | 'month' | 'custom';
export const PRESETS: readonly Preset[] = ['today', '7d', '30d', 'month', 'custom'];

/** Inclusive range of local days. */
export interface DayRange {
  from: string;
  to: string;
}

export type Granularity = 'hour' | 'day' | 'week';

export interface StatsQuery {
  preset: Preset;
  range: DayRange;
  /** The period compared against (null: no comparison). */
  compare: DayRange | null;
  compareMode: 'none' | 'previous' | 'custom';
  /** location_key to filter on, or null for every place. */
  locationKey: number | null;
  /** The filter as it appears in the URL ('all', 'direct', 'inactive' or an id). */
  location: string;
  granularity: Granularity;
}

const MAX_DAYS = 5 * 366;

const schema = z.object({
  range: z.enum(['today', '7d', '30d', 'month', 'custom']).catch('30d'),
  from: z.string().optional(),
  to: z.string().optional(),
  compare: z.enum(['none', 'previous', 'custom']).catch('none'),
  cfrom: z.string().optional(),
  cto: z.string().optional(),
  location: z
    .string()
    .regex(/^(all|direct|inactive|[1-9][0-9]{0,15})$/)
    .catch('all'),
  by: z.enum(['auto', 'day', 'week']).catch('auto'),
});

/**
 * Reads the dashboard's query string into a range, comparison, location filter and granularity.
 * Lenient on purpose (a leader editing a URL gets a sensible page, not an error): anything invalid
 * falls back to the default (last 30 days, every place).
 */
export function parseStatsQuery(query: unknown, now: Date): StatsQuery {
  const q = schema.parse(
    typeof query === 'object' && query ? { range: '30d', compare: 'none', location: 'all', by: 'auto', ...query } : {},
  );
  const today = libraryDate(now);
  let preset: Preset = q.range;
  let range = presetRange(preset, today);
  if (preset === 'custom') {
    const custom = customRange(q.from, q.to);
    if (custom) range = custom;
    else {
      preset = '30d';
      range = presetRange(preset, today);
    }
  }
  let compare: DayRange | null = null;
  let compareMode = q.compare;
  if (compareMode === 'previous') compare = previousPeriod(range);
  else if (compareMode === 'custom') {
    compare = customRange(q.cfrom, q.cto);
    if (!compare) compareMode = 'none';
  }
  const days = daysBetween(range.from, range.to) + 1;
  const granularity: Granularity = q.by !== 'auto' && days > 1 ? q.by : days === 1 ? 'hour' : days <= 62 ? 'day' : 'week';
  return { preset, range, compare, compareMode, locationKey: locationKeyOf(q.location), location: q.location, granularity };
}

export function presetRange(preset: Preset, today: string): DayRange {
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case 'month':
      return { from: `${today.slice(0, 8)}01`, to: today };
    default:
      return { from: addDays(today, -29), to: today };
  }
}

function customRange(from: unknown, to: unknown): DayRange | null {
  if (!isIsoDate(from) || !isIsoDate(to) || from > to || daysBetween(from, to) >= MAX_DAYS) return null;
  return { from, to };
}

/** The period of the same length that ends the day before `range` starts. */
export function previousPeriod(range: DayRange): DayRange {
  const len = daysBetween(range.from, range.to) + 1;
  return { from: addDays(range.from, -len), to: addDays(range.from, -1) };
}

export function locationKeyOf(location: string): number | null {
  if (location === 'all') return null;
  if (location === 'direct') return DIRECT_KEY;
  if (location === 'inactive') return INACTIVE_KEY;
  return Number(location);
}

/** A calendar month (YYYY-MM) as a range; null when malformed. */
export function monthRange(month: unknown): DayRange | null {
  if (typeof month !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) return null;
  const from = `${month}-01`;
  return { from, to: addDays(nextMonthStart(from), -1) };
}

/** The first day of the day's month, and of the month after. */
export const monthStart = (day: string) => `${day.slice(0, 8)}01`;
export function nextMonthStart(day: string): string {
  const [y, m] = [Number(day.slice(0, 4)), Number(day.slice(5, 7))];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/**
 * Splits a range into the whole calendar months it covers (read from the monthly rollups; `months`
 * holds the first day of the first and last month) and the loose days at either end (daily rollups).
 */
export function splitRange(range: DayRange): { months: DayRange | null; days: DayRange[] } {
  const first = range.from === monthStart(range.from) ? range.from : nextMonthStart(range.from);
  const lastEnd = addDays(nextMonthStart(range.to), -1) === range.to ? range.to : addDays(monthStart(range.to), -1);
  if (first > lastEnd) return { months: null, days: [range] };
  const days: DayRange[] = [];
  if (range.from < first) days.push({ from: range.from, to: addDays(first, -1) });
  if (lastEnd < range.to) days.push({ from: addDays(lastEnd, 1), to: range.to });
  return { months: { from: first, to: monthStart(lastEnd) }, days };
}
