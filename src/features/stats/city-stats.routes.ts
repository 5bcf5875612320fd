import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import { requireCityRole } from '../../http/auth-guards.ts';
import { toCsv } from '../../http/csv.ts';
import { translator, type MessageKey } from '../../http/i18n/index.ts';
import { barChart } from './charts.ts';
import { CITY_METRICS, parseCityQuery, type CityOverview, type CityQuery } from './city-stats.service.ts';
import { statsViewHelpers } from './stats.view.ts';
import { parseStatsQuery } from './date-range.ts';

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

  // One row per library, in ranking order: the figures of the page, for a spreadsheet.
  router.get(`${CITY_STATS_PATH}/thu-vien.csv`, guard, async (req, res) => {
    const o = await city.overview(queryOf(req));
    const t = translator(req.lang);
    const header = ['rank', 'library', 'slug', ...CITY_METRICS].map((c) => t(`stats.city.col.${c}` as MessageKey));
    const rows = o.libraries.map((l) => [l.rank, l.name, l.slug, ...CITY_METRICS.map((m) => l[m])]);
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
  return {
    ...base,
    cityPath: CITY_STATS_PATH,
    cityQuery: params.toString(),
    metrics: CITY_METRICS,
    metricLabel: (m: string) => t(`stats.city.col.${m}` as MessageKey),
    chart,
    libraryHome: (l: { slug: string; isDefault: boolean }) => (l.isDefault ? '/' : `/${l.slug}/`),
  };
}
