import type { Clock } from '../../infra/clock.ts';

/**
 * Consents are given for calendar days in Vietnam: "until 31/12" means through that whole day
 * in Hà Nội, whatever the server's time zone. Dates are handled as 'YYYY-MM-DD' strings.
 */
export const LIBRARY_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: LIBRARY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The library's calendar date at an instant. */
export function libraryDate(at: Date): string {
  return dayFormat.format(at);
}

export function libraryToday(clock: Clock): string {
  return libraryDate(clock.now());
}

/** Adds whole days to a 'YYYY-MM-DD' date. */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Vietnam has no daylight saving time: local midnight is always 17:00 UTC the day before. */
export function libraryMidnightUtc(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00+07:00`);
}

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isValidIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** dd/mm/yyyy, how dates are written in Vietnam (also fine for the English pages of this library). */
export function formatDate(isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.split('-');
  return `${d}/${m}/${y}`;
}

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: LIBRARY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** dd/mm/yyyy HH:MM in the library's time zone (audit log, revocations). */
export function formatDateTime(at: Date | null | undefined): string {
  return at ? timeFormat.format(at).replace(',', '') : '';
}

/** Whole days from `from` to `to` (both 'YYYY-MM-DD'). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
