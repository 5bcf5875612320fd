import { describe, expect, it } from 'vitest';
import { MAX_X_LABELS, barChart, labelIndices, lineChart, niceScale } from '../../../src/features/stats/charts.ts';
import { bucketsBegun, periodName } from '../../../src/features/stats/summary.ts';
import { monthRange, parseStatsQuery, previousPeriod } from '../../../src/features/stats/date-range.ts';
import { addDays, libraryDayStart, libraryDate, weekStart } from '../../../src/infra/calendar.ts';
import { percentChange, roundedDown } from '../../../src/features/stats/stats.service.ts';
import { encodeVisitCookie, readVisitCookie, sessionAlive } from '../../../src/features/stats/visit-cookie.ts';
import { deviceClass, normaliseQuery, visitorHash } from '../../../src/features/stats/visitor.ts';

describe('local days (Vietnam, UTC+7)', () => {
  it('puts 17:00 UTC on the next local day and starts days at 17:00 UTC', () => {
    expect(libraryDate(new Date('2025-03-10T16:59:59Z'))).toBe('2025-03-10');
    expect(libraryDate(new Date('2025-03-10T17:00:00Z'))).toBe('2025-03-11');
    expect(libraryDayStart('2025-03-11').toISOString()).toBe('2025-03-10T17:00:00.000Z');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(weekStart('2025-03-16')).toBe('2025-03-10'); // a Sunday → its Monday
  });
});

describe('dashboard query', () => {
  const now = new Date('2025-03-10T03:00:00Z'); // 10:00 in Hà Nội
  it('defaults to the last 30 days, every place, by day', () => {
    const q = parseStatsQuery({}, now);
    expect(q.range).toEqual({ from: '2025-02-09', to: '2025-03-10' });
    expect(q.locationKey).toBeNull();
    expect(q.granularity).toBe('day');
    expect(q.compare).toBeNull();
  });
  it('understands presets, custom ranges, comparisons and location filters', () => {
    expect(parseStatsQuery({ range: 'today' }, now)).toMatchObject({
      range: { from: '2025-03-10', to: '2025-03-10' },
      granularity: 'hour',
    });
    expect(parseStatsQuery({ range: 'month' }, now).range).toEqual({ from: '2025-03-01', to: '2025-03-10' });
    const custom = parseStatsQuery({ range: 'custom', from: '2024-01-01', to: '2024-12-31', compare: 'previous', location: '7' }, now);
    expect(custom.range).toEqual({ from: '2024-01-01', to: '2024-12-31' });
    expect(custom.granularity).toBe('week');
    // 2024 has 366 days: the previous period is the 366 days before it.
    expect(custom.compare).toEqual({ from: '2022-12-31', to: '2023-12-31' });
    expect(custom.locationKey).toBe(7);
    expect(parseStatsQuery({ location: 'direct' }, now).locationKey).toBe(0);
    expect(parseStatsQuery({ location: 'inactive' }, now).locationKey).toBe(-1);
  });
  it('falls back to defaults on nonsense instead of failing', () => {
    const q = parseStatsQuery({ range: 'custom', from: '2025-02-30', to: 'x', location: '1 or 1=1', compare: 'custom' }, now);
    expect(q.preset).toBe('30d');
    expect(q.location).toBe('all');
    expect(q.compareMode).toBe('none');
    expect(parseStatsQuery({ range: 'custom', from: '2025-03-05', to: '2025-03-01' }, now).preset).toBe('30d');
  });
  it('computes previous periods and calendar months', () => {
    expect(previousPeriod({ from: '2025-03-01', to: '2025-03-07' })).toEqual({ from: '2025-02-22', to: '2025-02-28' });
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthRange('2024-12')).toEqual({ from: '2024-12-01', to: '2024-12-31' });
    expect(monthRange('2024-13')).toBeNull();
  });
});

describe('visit cookie', () => {
  it('round-trips and holds only origin, place code and a minute stamp', () => {
    const v = { origin: 'qr' as const, code: 'ab2cd3', refreshedAt: 29_000_000 };
    const raw = encodeVisitCookie(v);
    expect(raw).toMatch(/^q\.ab2cd3\.[0-9a-z]+$/);
    expect(readVisitCookie(`x=1; tvs.visit=${raw}`)).toEqual(v);
    expect(readVisitCookie(`tvs.visit=${encodeVisitCookie({ origin: 'inactive', code: 'ab2cd3', refreshedAt: 5 })}`)).toEqual({
      origin: 'inactive',
      code: null,
      refreshedAt: 5,
    });
  });
  it('rejects malformed values and expires after 30 idle minutes', () => {
    for (const bad of ['q..1', 'x.abc.1', 'q.AB<script>.1', 'q.abcd.%zz', '']) expect(readVisitCookie(`tvs.visit=${bad}`)).toBeNull();
    const now = new Date(29_000_000 * 60_000);
    expect(sessionAlive({ origin: 'direct', code: null, refreshedAt: 29_000_000 - 29 }, now)).toBe(true);
    expect(sessionAlive({ origin: 'direct', code: null, refreshedAt: 29_000_000 - 30 }, now)).toBe(false);
  });
});

describe('visitor privacy helpers', () => {
  it('hashes depend on the salt, so a new day gives a new hash', () => {
    const a = visitorHash(Buffer.alloc(32, 1), '203.0.113.9', 'UA');
    expect(a).toHaveLength(16);
    expect(visitorHash(Buffer.alloc(32, 1), '203.0.113.9', 'UA').equals(a)).toBe(true);
    expect(visitorHash(Buffer.alloc(32, 2), '203.0.113.9', 'UA').equals(a)).toBe(false);
  });
  it('classifies devices coarsely', () => {
    expect(deviceClass('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148')).toBe('phone');
    expect(deviceClass('Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Safari/537.36')).toBe('tablet');
    expect(deviceClass('Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)')).toBe('tablet');
    expect(deviceClass('Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0')).toBe('desktop');
  });
  it('normalises search text (composed Unicode, case, spaces)', () => {
    expect(normaliseQuery('  TRUYỆN   Kiều ')).toBe('truyện kiều');
    expect(normaliseQuery('Truye\u0302\u0323n')).toBe('truyện');
  });
});

describe('charts', () => {
  it('chooses nice axis steps', () => {
    expect(niceScale(0)).toEqual({ max: 4, step: 1 });
    expect(niceScale(93)).toEqual({ max: 100, step: 50 });
    expect(niceScale(7)).toEqual({ max: 8, step: 2 });
  });
  it('places line points inside the plot, highest value at the top', () => {
    const c = lineChart(['a', 'b', 'c'], [{ key: 'visits', label: 'V', values: [0, 5, 10] }]);
    const [p0, , p2] = c.series[0].points;
    expect(p0.y).toBe(c.height);
    expect(p2.y).toBe(0);
    expect(c.series[0].path.startsWith('M0,')).toBe(true);
    expect(c.yTicks[0]).toEqual({ pct: 100, text: '0' });
    expect(c.empty).toBe(false);
  });
  it('spreads at most five date labels evenly, always the first and the last, never two on one spot', () => {
    for (const n of [1, 2, 5, 6, 7, 28, 30, 31, 62, 90]) {
      const idx = labelIndices(n);
      expect(idx.length).toBe(Math.min(n, MAX_X_LABELS));
      expect(idx[0]).toBe(0);
      expect(idx.at(-1)).toBe(n - 1);
      const gaps = idx.slice(1).map((v, i) => v - idx[i]);
      // Evenly spread: no gap is less than half another (the old "every k-th plus the last" put 30/11 on 01/12).
      if (gaps.length > 1) expect(Math.min(...gaps) * 2).toBeGreaterThanOrEqual(Math.max(...gaps));
    }
    const labels = Array.from({ length: 30 }, (_, i) => String(i + 1));
    const c = lineChart(labels, [{ key: 'v', label: 'V', values: labels.map(() => 1) }]);
    expect(c.xLabels.map((l) => l.align)).toEqual(['start', 'middle', 'middle', 'middle', 'end']);
    expect(c.xLabels.at(-1)).toMatchObject({ text: '30', pct: 100 });
  });
  it('keeps the days still to come on the axis but draws no line there', () => {
    const labels = Array.from({ length: 30 }, (_, i) => String(i + 1));
    const c = lineChart(labels, [{ key: 'v', label: 'V', values: labels.map((_, i) => (i < 12 ? 10 : 0)) }], String, 12);
    expect(c.series[0].points).toHaveLength(12);
    expect(c.series[0].path.split(/[ML]/).filter(Boolean)).toHaveLength(12);
    expect(c.xLabels.at(-1)!.text).toBe('30');
    expect(bucketsBegun(['2026-11-01', '2026-11-12', '2026-11-13'], new Date('2026-11-12T16:59:00Z'), '2026-11-01')).toBe(2);
    expect(bucketsBegun(['00:00', '01:00', '09:00', '10:00'], new Date('2026-11-12T02:30:00Z'), '2026-11-12')).toBe(3);
    expect(bucketsBegun(['00:00', '01:00'], new Date('2026-11-12T02:30:00Z'), '2026-11-11')).toBe(2);
  });
  it('scales bars to the largest value and keeps full labels', () => {
    const long = 'Nhà văn hoá tổ dân phố số 5, phường Nguyễn Trung Trực (điểm đọc sách cộng đồng)';
    const b = barChart([
      { label: long, value: 10 },
      { label: 'B', value: 5 },
      { label: 'C', value: 0 },
    ]);
    expect(b.bars.map((x) => x.pct)).toEqual([100, 50, 0]);
    expect(b.bars[0].label).toBe(long);
  });
});

describe('headline rounding and comparisons', () => {
  it('rounds down to two significant figures with a plus', () => {
    expect(roundedDown(4321)).toEqual({ value: 4300, plus: true });
    expect(roundedDown(4300)).toEqual({ value: 4300, plus: false });
    expect(roundedDown(427)).toEqual({ value: 420, plus: true });
    expect(roundedDown(42)).toEqual({ value: 42, plus: false });
  });
  it('computes percentage change, null when there is no base', () => {
    expect(percentChange(150, 100)).toBe(50);
    expect(percentChange(50, 100)).toBe(-50);
    expect(percentChange(5, 0)).toBeNull();
    expect(percentChange(0, 0)).toBe(0);
  });
});

describe('splitting a range into whole months and loose days', () => {
  it('reads whole months from the monthly rollups and the edges from the daily ones', async () => {
    const { splitRange } = await import('../../../src/features/stats/date-range.ts');
    expect(splitRange({ from: '2024-01-15', to: '2024-04-10' })).toEqual({
      months: { from: '2024-02-01', to: '2024-03-01' },
      days: [
        { from: '2024-01-15', to: '2024-01-31' },
        { from: '2024-04-01', to: '2024-04-10' },
      ],
    });
    expect(splitRange({ from: '2024-02-01', to: '2024-02-29' })).toEqual({ months: { from: '2024-02-01', to: '2024-02-01' }, days: [] });
    expect(splitRange({ from: '2024-02-03', to: '2024-02-20' })).toEqual({
      months: null,
      days: [{ from: '2024-02-03', to: '2024-02-20' }],
    });
    expect(splitRange({ from: '2024-01-31', to: '2024-02-01' })).toEqual({
      months: null,
      days: [{ from: '2024-01-31', to: '2024-02-01' }],
    });
    expect(splitRange({ from: '2023-12-01', to: '2024-01-31' })).toEqual({ months: { from: '2023-12-01', to: '2024-01-01' }, days: [] });
  });
});

describe('the summary names its period', () => {
  it('a whole month or this month so far by its month, anything else by its dates', () => {
    expect(periodName({ from: '2026-11-01', to: '2026-11-30' }, true)).toEqual({ kind: 'month', month: '2026-11' });
    expect(periodName({ from: '2026-11-01', to: '2026-11-12' }, false)).toEqual({ kind: 'month', month: '2026-11' });
    expect(periodName({ from: '2026-11-01', to: '2026-11-01' }, true).kind).toBe('range'); // "today" on the 1st
    expect(periodName({ from: '2026-10-20', to: '2026-11-12' }, false).kind).toBe('range');
    expect(periodName({ from: '2026-02-01', to: '2026-02-28' }, true)).toEqual({ kind: 'month', month: '2026-02' });
  });
});
