import type { NextFunction, Request, Response, Router } from 'express';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { formView } from '../../http/error-handler.ts';
import { translator } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { holderSchema } from './consent.schemas.ts';
import { consentViewHelpers } from './view-helpers.ts';
import { libPath } from '../libraries/library-context.ts';
import { scopeParam } from '../libraries/library-scope.ts';

/** Rights holders: list, create, edit, and each holder's books and consents. */
export function rightsHoldersRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/rights-holders', ['admin', 'librarian']);
  scopeParam(ctx, router, 'id', 'rightsHolder');
  const holders = ctx.services.rightsHolders;
  router.use(consentViewHelpers);

  const q = (req: Request) => (typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '');
  const loadList = async (req: Request, res: Response, next: NextFunction) => {
    res.locals.holders = await holders.list(req.library.id, q(req) || undefined);
    res.locals.q = q(req);
    next();
  };
  const loadHolder = async (req: Request, res: Response, next: NextFunction) => {
    const page = await holders.page(parseInput(idParam, req.params.id));
    Object.assign(res.locals, page);
    // The edit form starts from the stored values; after a rejected submit, from what was typed.
    res.locals.values = { ...page.holder };
    next();
  };

  router.get('/', loadList, (_req, res) => {
    res.render('consent/holders');
  });

  router.post('/', loadList, formView('consent/holders'), async (req, res) => {
    const holder = await holders.create(parseInput(holderSchema, req.body), req.library.id, req.user!);
    req.session.flash = { kind: 'info', text: translator(req.lang)('consent.flash.holderCreated', { name: holder.name }) };
    res.redirect(303, libPath(res, `/admin/rights-holders/${holder.id}`));
  });

  router.get('/:id', loadHolder, (_req, res) => {
    res.render('consent/holder');
  });

  router.post('/:id', loadHolder, formView('consent/holder'), async (req, res) => {
    const holder = await holders.update(parseInput(idParam, req.params.id), parseInput(holderSchema, req.body), req.user!);
    req.session.flash = { kind: 'info', text: translator(req.lang)('consent.flash.holderSaved', { name: holder.name }) };
    res.redirect(303, libPath(res, `/admin/rights-holders/${holder.id}`));
  });

  return router;
}
