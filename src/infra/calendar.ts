import type { Clock } from './clock.ts';

/**
 * The library's calendar: days as people in Vietnam live them, whatever the server's time zone.
 * "Consent until 31/12" means through that whole day in Hà Nội; statistics count a reader's evening
 * visit on the day it happened there. Days are 'YYYY-MM-DD' strings. The zone's rules (offset, any
 * future daylight saving) come from Intl's time-zone database, never from a hard-coded offset.
 * One constant rather than a setting: every union the project serves is in this zone, and rollup
 * buckets must never change meaning after they are written.
 */
export const LIBRARY_TIME_ZONE = 'Asia/Ho_Chi_Minh';

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: LIBRARY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: LIBRARY_TIME_ZONE, timeZoneName: 'longOffset' });
const hourFormat = new Intl.DateTimeFormat('en-GB', { timeZone: LIBRARY_TIME_ZONE, hour: '2-digit', hour12: false });
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: LIBRARY_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** The library's calendar day at an instant. */
export function libraryDate(at: Date): string {
  return dayFormat.format(at);
}

/** The library's local hour (0–23) at an instant. */
export function libraryHour(at: Date): number {
  return Number(hourFormat.format(at)) % 24;
}

export function libraryToday(clock: Clock): string {
  return libraryDate(clock.now());
}

/** The zone's offset from UTC at an instant, in minutes ("GMT+07:00" → 420). */
function offsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The instant a library day begins (local midnight). */
export function libraryDayStart(day: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  // The offset is read at the guessed instant, then again at the result, so a change of offset
  // on that very day (were the zone ever to adopt daylight saving) still lands on local midnight.
  const guess = utcMidnight - offsetMinutes(new Date(utcMidnight)) * 60_000;
  return new Date(utcMidnight - offsetMinutes(new Date(guess)) * 60_000);
}

/** Adds whole days to a 'YYYY-MM-DD' day (calendar arithmetic: no time zone involved). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (to − from). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** Monday of the ISO week containing `day`. */
export function weekStart(day: string): string {
  const dow = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -dow);
}

/** A real 'YYYY-MM-DD' day (not 2025-02-30). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** dd/mm/yyyy, how dates are written in Vietnam (also fine for the English pages of this library). */
export function formatDate(isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [y, m, d] = isoDate.split('-');
  return `${d}/${m}/${y}`;
}

/** dd/mm/yyyy HH:MM in the library's time zone (audit log, revocations). */
export function formatDateTime(at: Date | null | undefined): string {
  return at ? timeFormat.format(at).replace(',', '') : '';
}
