import type { Request } from 'express';
import { translator } from '../../http/i18n/index.ts';
import { barChart, lineChart } from './charts.ts';
import type { StatsQuery } from './date-range.ts';
import { DIRECT_KEY, INACTIVE_KEY } from './location-keys.ts';
import type { Dashboard } from './stats.service.ts';
import { percentChange, roundedDown } from './stats.service.ts';
import type { LocationRow } from './stats.repository.ts';
import { bucketsBegun, summaryFacts, type PeriodName } from './summary.ts';

/**
 * Formatting and chart helpers handed to the statistics views (locale-aware, escaped by EJS).
 * `now`: the clock's time, so the days still to come are left out of the charts.
 */
export function statsViewHelpers(req: Request, query: StatsQuery, now: Date) {
  const t = translator(req.lang);
  const nf = new Intl.NumberFormat(req.lang === 'vi' ? 'vi-VN' : 'en-GB');
  const num = (n: number) => nf.format(n);
  const day = (d: string) => (req.lang === 'vi' ? `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}` : d);
  const rangeText = (r: { from: string; to: string }) => (r.from === r.to ? day(r.from) : `${day(r.from)} – ${day(r.to)}`);
  const monthText = (m: string) => (req.lang === 'vi' ? `${m.slice(5, 7)}/${m.slice(0, 4)}` : m);

  /** The current filters as a query string (for CSV links and the report link). */
  const filters = new URLSearchParams({
    range: query.preset,
    location: query.location,
    compare: query.compareMode,
    by: query.granularity === 'week' ? 'week' : 'auto',
  });
  if (query.preset === 'custom') {
    filters.set('from', query.range.from);
    filters.set('to', query.range.to);
  }
  if (query.compareMode === 'custom' && query.compare) {
    filters.set('cfrom', query.compare.from);
    filters.set('cto', query.compare.to);
  }
  const exportUrl = (table: string) => `${String(req.res?.locals.base ?? '')}/admin/stats/export/${table}.csv?${filters.toString()}`;

  const placeName = (row: Pick<LocationRow, 'locationKey' | 'name'>) =>
    row.locationKey === DIRECT_KEY
      ? t('stats.place.direct')
      : row.locationKey === INACTIVE_KEY
        ? t('stats.place.inactive')
        : (row.name ?? `#${row.locationKey}`);

  const delta = (current: number, previous: number | undefined) => {
    if (previous === undefined) return null;
    const pct = percentChange(current, previous);
    return {
      pct,
      text: pct === null ? t('stats.compare.new') : `${pct > 0 ? '+' : ''}${nf.format(pct)}%`,
      dir: pct === null || pct > 0 ? 'up' : pct < 0 ? 'down' : 'same',
    };
  };

  const headlineText = (d: Dashboard) => {
    const v = roundedDown(d.headline.visits);
    const b = roundedDown(d.headline.titles);
    return {
      visits: `${num(v.value)}${v.plus ? '+' : ''}`,
      titles: `${num(b.value)}${b.plus ? '+' : ''}`,
      since: d.headline.since ? monthText(d.headline.since.slice(0, 7)) : null,
    };
  };

  /** Calendar month names: "11" in "Tháng 11" (vi), "November" (en). */
  const monthName = (m: string) =>
    req.lang === 'vi'
      ? String(Number(m.slice(5, 7)))
      : new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(new Date(`${m}-01T00:00:00Z`));
  const periodText = (p: PeriodName, capital: boolean) =>
    p.kind === 'month'
      ? t(capital ? 'stats.summary.month' : 'stats.summary.monthLower', { month: monthName(p.month) })
      : rangeText(p.range);

  /** The dashboard's first line, one plain sentence (see summary.ts). */
  const summaryText = (d: Dashboard) => {
    const f = summaryFacts(d);
    let text = t('stats.summary.reads', { period: periodText(f.period, true), n: num(f.reads) });
    if (f.change) {
      const compare = periodText(f.change.compare, false);
      const pct = f.change.pct === null ? '' : t('stats.summary.pct', { n: nf.format(f.change.pct) });
      text += f.change.pct === null ? t('stats.summary.noneBefore', { compare }) : t(`stats.summary.${f.change.dir}`, { pct, compare });
    }
    if (f.topPlace) text += t('stats.summary.top', { place: placeName(f.topPlace) });
    return `${text}.`;
  };

  /** The series as drawn: every bucket on the axis, lines only through the buckets already begun. */
  const seriesShown = (d: Dashboard) =>
    bucketsBegun(
      d.series.map((p) => p.bucket),
      now,
      query.range.from,
    );

  const buildCharts = (d: Dashboard) => {
    const labels = d.series.map((p) => (query.granularity === 'hour' ? p.bucket : day(p.bucket).slice(0, 5)));
    return {
      series: lineChart(
        labels,
        [
          { key: 'visits', label: t('stats.metric.visits'), values: d.series.map((p) => p.visits) },
          { key: 'scans', label: t('stats.metric.scans'), values: d.series.map((p) => p.scans) },
          { key: 'opens', label: t('stats.metric.bookOpens'), values: d.series.map((p) => p.bookOpens) },
        ],
        num,
        seriesShown(d),
      ),
      locations: barChart(
        d.locations
          .filter((l) => l.visits > 0 || l.scans > 0)
          .slice(0, 15)
          .map((l) => ({ label: placeName(l), value: l.visits })),
        num,
      ),
      categories: barChart(
        d.topCategories.slice(0, 10).map((c) => ({ label: c.name, value: c.opens })),
        num,
      ),
      newBooks: barChart(
        d.newBooks.map((m) => ({ label: monthText(m.month), value: m.books })),
        num,
      ),
    };
  };

  return {
    num,
    day,
    rangeText,
    monthText,
    exportUrl,
    filtersQuery: filters.toString(),
    placeName,
    delta,
    headlineText,
    buildCharts,
    summaryText,
    seriesShown,
  };
}
