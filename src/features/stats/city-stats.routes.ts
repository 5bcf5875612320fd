import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { requireCityRole } from '../../http/auth-guards.ts';
import { toCsv } from '../../http/csv.ts';
import { translator, type MessageKey } from '../../http/i18n/index.ts';
import { barChart, lineChart } from './charts.ts';
import { CITY_METRICS, parseCityQuery, type Change, type CityMetric, type CityOverview, type CityQuery } from './city-stats.service.ts';
import { statsViewHelpers } from './stats.view.ts';
import { parseStatsQuery } from './date-range.ts';
import { rangeLabel } from './stats.service.ts';
import { bucketsBegun } from './summary.ts';

export const CITY_STATS_PATH = '/thanh-pho/thong-ke';

/**
 * City statistics (/thanh-pho/thong-ke): every library's figures, ranked and compared, for city
 * leaders and city admins only. A ward's own staff (even its admin or leader) gets 403 here: their
 * dashboard is /{slug}/admin/stats, which shows only their library.
 */
export function cityStatsRoutes(ctx: AppContext): Router {
  // Full paths on a router mounted at the app's root (not app.use(path, …)): route sweeps in the
  // tests then see the real addresses. The guard runs per route, never for other requests.
  const router = Router();
  const guard = requireCityRole('city_leader', 'city_admin');
  const city = ctx.services.cityStats;
  const queryOf = (req: Request): CityQuery => parseCityQuery(req.query, ctx.clock.now());

  const render = (view: string) => async (req: Request, res: Response) => {
    const [overview, allLibraries] = await Promise.all([city.overview(queryOf(req)), ctx.services.libraries.list()]);
    res.set('Cache-Control', 'no-store');
    res.render(view, { o: overview, allLibraries, ...cityViewHelpers(req, overview, ctx.clock.now()) });
  };
  router.get(CITY_STATS_PATH, guard, render('stats/city'));
  router.get(`${CITY_STATS_PATH}/bao-cao`, guard, render('stats/city-report'));

  // One row per library, in ranking order, then the city's total: each figure with the same-length
  // previous period and the change (Δ, %; the % cell is empty when the previous figure was 0).
  router.get(`${CITY_STATS_PATH}/thu-vien.csv`, guard, async (req, res) => {
    const o = await city.overview(queryOf(req));
    const t = translator(req.lang);
    const col = (c: string) => t(`stats.city.col.${c}` as MessageKey);
    const header = [
      col('rank'),
      col('library'),
      col('slug'),
      ...CITY_METRICS.flatMap((m) => [
        col(m),
        t('stats.city.col.previousOf', { metric: col(m) }),
        t('stats.city.col.deltaOf', { metric: col(m) }),
        t('stats.city.col.pctOf', { metric: col(m) }),
      ]),
      col('period'),
      col('previousPeriod'),
    ];
    const cells = (now: Record<CityMetric, number>, change: Record<CityMetric, Change>) =>
      CITY_METRICS.flatMap((m) => [now[m], change[m].previous, change[m].delta, change[m].pct]);
    const periods = [rangeLabel(o.query.range), rangeLabel(o.previousRange)];
    const rows = [
      ...o.libraries.map((l) => [l.rank, l.name, l.slug, ...cells(l, l.change), ...periods]),
      ['', t('stats.city.total'), '', ...cells(o.totals, o.totalsChange), ...periods],
    ];
    res.set('Content-Disposition', `attachment; filename="thong-ke-thanh-pho-${o.query.range.from}_${o.query.range.to}.csv"`);
    res.set('Cache-Control', 'no-store');
    res.type('text/csv; charset=utf-8').send(toCsv(header, rows));
  });
  return router;
}

/** The ward dashboard's helpers (numbers, dates) plus the city page's links and chart. */
function cityViewHelpers(req: Request, o: CityOverview, now: Date) {
  const base = statsViewHelpers(req, parseStatsQuery({ range: o.query.preset, from: o.query.range.from, to: o.query.range.to }, now), now);
  const params = new URLSearchParams({ range: o.query.preset, sort: o.query.sort });
  if (o.query.preset === 'custom') {
    params.set('from', o.query.range.from);
    params.set('to', o.query.range.to);
  }
  if (o.query.chosen) params.set('libs', o.query.chosen.join(','));
  const t = translator(req.lang);
  const chart = barChart(
    o.libraries.slice(0, 20).map((l) => ({ label: l.name, value: l[o.query.sort] })),
    base.num,
  );
  // The ranked metric over time: one line per library drawn (keys lib1…lib5 pick colour and dash).
  const s = o.series;
  const bucketText = (b: string) => (s.by === 'month' ? base.monthText(b.slice(0, 7)) : base.day(b).slice(0, 5));
  const overTime = lineChart(
    s.buckets.map(bucketText),
    s.libraries.map((l, i) => ({ key: `lib${i + 1}`, label: l.name, values: l.values })),
    base.num,
    bucketsBegun(s.buckets, now, o.query.range.from),
  );
  /** "+12 %" / "−3 %" / "mới" (the previous figure was 0), with the direction for styling. */
  const change = (c: Change) => ({
    delta: `${c.delta > 0 ? '+' : ''}${base.num(c.delta)}`,
    ...base.delta(c.previous + c.delta, c.previous)!,
  });
  return {
    ...base,
    cityPath: CITY_STATS_PATH,
    cityQuery: params.toString(),
    metrics: CITY_METRICS,
    metricLabel: (m: string) => t(`stats.city.col.${m}` as MessageKey),
    chart,
    overTime,
    bucketText,
    change,
    libraryHome: (l: { slug: string; isDefault: boolean }) => (l.isDefault ? '/' : `/${l.slug}/`),
  };
}
