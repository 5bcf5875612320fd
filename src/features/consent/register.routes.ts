import type { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { consentViewHelpers } from './view-helpers.ts';

/**
 * The consent register (printable page and CSV). Leaders may see it too: it is what they show an
 * inspector. Registered before /consents so that router's stricter roles don't stop leaders here.
 */
export function consentRegisterRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/consents/register', ['admin', 'librarian', 'leader']);
  router.use(consentViewHelpers);

  router.get('/', async (req, res) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.render('consent/register', await ctx.services.consentRegister.entries(req.library.id));
  });

  router.get('/export.csv', async (req, res) => {
    const csv = await ctx.services.consentRegister.csv(req.library.id, req.lang);
    const day = ctx.services.consent.today();
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="so-dang-ky-dong-y-${day}.csv"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(csv);
  });

  return router;
}
