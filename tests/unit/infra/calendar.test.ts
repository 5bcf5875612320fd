import { describe, expect, it } from 'vitest';
import { addDays, formatDateTime, isIsoDate, libraryDate, libraryDayStart, weekStart } from '../../../src/infra/calendar.ts';

describe('library calendar (Vietnam, from Intl)', () => {
  it('starts each day at local midnight: 17:00 UTC the day before', () => {
    expect(libraryDayStart('2025-01-01').toISOString()).toBe('2024-12-31T17:00:00.000Z');
    expect(libraryDate(new Date('2024-12-31T16:59:59.999Z'))).toBe('2024-12-31');
    expect(libraryDate(new Date('2024-12-31T17:00:00.000Z'))).toBe('2025-01-01');
  });

  it('agrees with itself on every day of a leap year: a day starts on that day, a millisecond earlier is the day before', () => {
    for (let day = '2024-01-01'; day < '2025-01-01'; day = addDays(day, 1)) {
      const start = libraryDayStart(day);
      expect(libraryDate(start)).toBe(day);
      expect(libraryDate(new Date(start.getTime() - 1))).toBe(addDays(day, -1));
    }
  });

  it('validates days, finds Mondays and formats times as written in Vietnam', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate(20250101)).toBe(false);
    expect(weekStart('2025-06-01')).toBe('2025-05-26'); // a Sunday → the Monday before
    expect(formatDateTime(new Date('2025-03-09T23:30:00Z'))).toBe('10/03/2025 06:30');
  });
});
