import type { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { parseInput } from '../../http/validation.ts';
import { auditFilterSchema } from './consent.schemas.ts';
import { libraryDayStart, addDays } from '../../infra/calendar.ts';
import { consentViewHelpers } from './view-helpers.ts';

const PAGE = 100;

/** The audit log, read-only: there is deliberately no route that edits or deletes an entry. */
export function auditRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/audit', ['admin']);
  router.use(consentViewHelpers);

  router.get('/', async (req, res) => {
    const f = parseInput(auditFilterSchema, req.query);
    const filter = {
      libraryId: req.library.id,
      entity: f.entity,
      action: f.action,
      bookId: f.book,
      actorId: f.actor,
      // Dates are the library's calendar days: "until 31/12" includes all of that day.
      from: f.from ? libraryDayStart(f.from) : undefined,
      until: f.until ? new Date(libraryDayStart(addDays(f.until, 1)).getTime() - 1) : undefined,
      beforeId: f.before,
      limit: PAGE,
    };
    const [entries, facets] = await Promise.all([ctx.services.audit.list(filter), ctx.services.audit.facets()]);
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries({ entity: f.entity, action: f.action, book: f.book, actor: f.actor, from: f.from, until: f.until }))
      if (v) query.set(k, String(v));
    if (entries.length === PAGE) query.set('before', String(entries[entries.length - 1].id));
    res.render('consent/audit', { entries, facets, filter: f, olderLink: entries.length === PAGE ? `/admin/audit?${query}` : null });
  });

  return router;
}
