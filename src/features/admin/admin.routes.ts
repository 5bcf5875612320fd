import type { Request } from 'express';
import type { AppContext } from '../../context.ts';
import type { JobStatus } from '../../db/schema/jobs.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { notFound } from '../../http/errors.ts';
import { translator } from '../../http/i18n/index.ts';
import type { JobScope } from '../../infra/jobs/jobs.repository.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { consentDashboardPanel } from '../consent/dashboard-panel.ts';
import { libPath } from '../libraries/library-context.ts';

/** The admin landing page (every staff role) and the background-jobs page. */
export function adminRoutes(ctx: AppContext, registry: GuardedRouter[]): void {
  const home = guardedRouter(registry, '', ['admin', 'librarian', 'leader']);
  home.get('/', consentDashboardPanel(ctx), (_req, res) => {
    res.render('admin/index');
  });

  const jobs = guardedRouter(registry, '/jobs', ['admin', 'librarian']);
  // A library's staff see and retry their library's jobs only (the default library's also the
  // install's own, as before there were several libraries); a city admin sees the whole install.
  const scopeOf = (req: Request): JobScope =>
    req.user?.cityRole === 'city_admin' ? 'all' : { libraryId: req.library.id, withUnowned: req.library.isDefault };
  jobs.get('/', async (req, res) => {
    const status = (['queued', 'running', 'succeeded', 'failed'] as const).find((s) => s === req.query.status) as JobStatus | undefined;
    const { jobs: list, counts } = await ctx.jobs.overview(status, scopeOf(req));
    res.render('admin/jobs', { jobs: list, counts, status: status ?? null, events: ctx.services.events.stats() });
  });
  jobs.post('/:id/retry', async (req, res) => {
    const id = parseInput(idParam, req.params.id);
    if (!(await ctx.jobs.retryNow(id, scopeOf(req)))) throw notFound();
    req.session.flash = { kind: 'info', text: translator(req.lang)('jobs.retried', { id }) };
    res.redirect(303, libPath(res, '/admin/jobs'));
  });
}
