import { describe, expect, it } from 'vitest';
import { bucketsOf, cityBucket } from '../../../src/features/stats/city-stats.service.ts';

describe('city chart buckets', () => {
  it('by day up to 62 days, by week up to a year, by month beyond', () => {
    expect(cityBucket({ from: '2025-01-01', to: '2025-03-03' })).toBe('day'); // 62 days
    expect(cityBucket({ from: '2025-01-01', to: '2025-03-04' })).toBe('week'); // 63
    expect(cityBucket({ from: '2024-03-11', to: '2025-03-10' })).toBe('week'); // 365
    expect(cityBucket({ from: '2024-01-01', to: '2024-12-31' })).toBe('week'); // 366 (a leap year)
    expect(cityBucket({ from: '2024-01-01', to: '2025-01-01' })).toBe('month'); // 367
  });

  it('lists every bucket that overlaps the range by its first day', () => {
    expect(bucketsOf({ from: '2025-02-27', to: '2025-03-02' }, 'day')).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02']);
    // 1 December 2024 is a Sunday: its week began on Monday 25 November.
    expect(bucketsOf({ from: '2024-12-01', to: '2024-12-16' }, 'week')).toEqual(['2024-11-25', '2024-12-02', '2024-12-09', '2024-12-16']);
    expect(bucketsOf({ from: '2024-11-15', to: '2025-02-03' }, 'month')).toEqual(['2024-11-01', '2024-12-01', '2025-01-01', '2025-02-01']);
  });
});
