import type { Request, Router } from 'express';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { notFound } from '../../http/errors.ts';
import { translator, type MessageKey } from '../../http/i18n/index.ts';
import { monthRange, parseStatsQuery, previousPeriod, type StatsQuery } from './date-range.ts';
import { toCsv } from '../../http/csv.ts';
import { libraryDate } from '../../infra/calendar.ts';
import { DIRECT_KEY, INACTIVE_KEY } from './location-keys.ts';
import { EXPORT_TABLES, type ExportTable } from './stats.service.ts';
import { statsViewHelpers } from './stats.view.ts';

/** Statistics for union leaders (read-only) and admins. */
export function statsRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/stats', ['leader', 'admin']);
  const stats = ctx.services.stats;
  const queryOf = (req: Request): StatsQuery => parseStatsQuery(req.query, ctx.clock.now());

  router.get('/', async (req, res) => {
    const dashboard = await stats.dashboard(req.library.id, queryOf(req));
    res.render('stats/dashboard', { d: dashboard, ...statsViewHelpers(req, dashboard.query, ctx.clock.now()) });
  });

  // /admin/stats/export/books.csv?range=…&location=… — the same filters as the dashboard.
  router.get('/export/:file', async (req, res) => {
    const m = /^([a-z-]+)\.csv$/.exec(req.params.file);
    const table = EXPORT_TABLES.find((t) => t === m?.[1]) as ExportTable | undefined;
    if (!table) throw notFound();
    const query = queryOf(req);
    const t = translator(req.lang);
    const { columns, rows } = await stats.exportTable(req.library.id, table, query);
    const header = columns.map((c) => t(`stats.col.${c}` as MessageKey));
    const name = `thong-ke-${table}-${query.range.from}_${query.range.to}${query.location === 'all' ? '' : `-${query.location}`}.csv`;
    res.set('Content-Disposition', `attachment; filename="${name}"`);
    res.set('Cache-Control', 'no-store');
    // The totals table names its metrics in the reader's language, like the column headers.
    // The locations table labels its two pseudo-places (visits without a QR code, QR codes of
    // deactivated places) the way the dashboard does, instead of an empty name cell.
    const body =
      table === 'totals'
        ? rows.map(([k, ...rest]) => [t(`stats.metric.${k}` as MessageKey), ...rest])
        : table === 'locations'
          ? rows.map(([key, name, ...rest]) => [key, pseudoPlace(key, t) ?? name, ...rest])
          : rows;
    res.type('text/csv; charset=utf-8').send(toCsv(header, body));
  });

  // The printable monthly report (?month=YYYY-MM, default: the current month).
  router.get('/report', async (req, res) => {
    const month =
      typeof req.query.month === 'string' && monthRange(req.query.month) ? req.query.month : libraryDate(ctx.clock.now()).slice(0, 7);
    const range = monthRange(month)!;
    const base = parseStatsQuery({ location: req.query.location }, ctx.clock.now());
    const query: StatsQuery = {
      ...base,
      preset: 'custom',
      range,
      compare: previousPeriodMonth(month) ?? previousPeriod(range),
      compareMode: 'custom',
      granularity: 'day',
    };
    const dashboard = await stats.dashboard(req.library.id, query);
    res.render('stats/report', { d: dashboard, month, ...statsViewHelpers(req, query, ctx.clock.now()) });
  });

  return router;
}

function pseudoPlace(key: string | number, t: ReturnType<typeof translator>): string | null {
  if (key === DIRECT_KEY) return t('stats.place.noQr');
  if (key === INACTIVE_KEY) return t('stats.place.inactive');
  return null;
}

/** The calendar month before `month` (a month is compared with the previous month, not 30 days). */
function previousPeriodMonth(month: string) {
  const [y, m] = month.split('-').map(Number);
  const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  return monthRange(prev);
}
