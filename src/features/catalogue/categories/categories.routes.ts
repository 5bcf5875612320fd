import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../../http/admin-routes.ts';
import { AppError } from '../../../http/errors.ts';
import { translator } from '../../../http/i18n/index.ts';
import { idParam, parseInput } from '../../../http/validation.ts';
import { categorySchema, mergeSchema, moveSchema } from '../catalogue.schemas.ts';
import { libPath } from '../../libraries/library-context.ts';
import { scopeParam } from '../../libraries/library-scope.ts';

/** Category management: create, rename (old slug redirects), merge, order, delete when empty. */
export function categoriesRoutes(ctx: AppContext, registry: GuardedRouter[]): void {
  const router = guardedRouter(registry, '/categories', ['admin', 'librarian']);
  scopeParam(ctx, router, 'id', 'category');
  const service = ctx.services.categories;

  const render = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    res.render('catalogue/categories', {
      categories: await service.listWithCounts(req.library.id),
      errors: {},
      values: {},
      editing: null,
      ...extra,
    });
  };

  /** Field errors re-render the page with what was typed; other refusals become a flash message. */
  const handle = (path: string, run: (req: Request) => Promise<string>) =>
    router.post(path, async (req, res) => {
      try {
        req.session.flash = { kind: 'info', text: await run(req) };
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 404) throw err;
        const t = translator(req.lang);
        if (Object.keys(err.fields).length) {
          res.status(err.status);
          return render(req, res, {
            errors: err.fields,
            values: req.body,
            editing: req.params.id ? Number(req.params.id) : null,
            formError: t(err.messageKey, err.params),
          });
        }
        req.session.flash = { kind: 'error', text: t(err.messageKey, err.params) };
      }
      res.redirect(303, libPath(res, '/admin/categories'));
    });

  router.get('/', (req, res) => render(req, res));

  handle('/', async (req) => {
    const input = parseInput(categorySchema, req.body);
    const c = await service.create(req.library.id, { name: input.name, slug: input.slug || undefined });
    return translator(req.lang)('catalogue.category.created', { name: c.name });
  });
  handle('/:id', async (req) => {
    const input = parseInput(categorySchema, req.body);
    await service.update(parseInput(idParam, req.params.id), { name: input.name, slug: input.slug || undefined, position: input.position });
    return translator(req.lang)('catalogue.category.saved', { name: input.name });
  });
  handle('/:id/merge', async (req) => {
    await service.merge(parseInput(idParam, req.params.id), parseInput(mergeSchema, req.body).into);
    return translator(req.lang)('catalogue.category.merged');
  });
  handle('/:id/move', async (req) => {
    await service.move(parseInput(idParam, req.params.id), parseInput(moveSchema, req.body).direction);
    return translator(req.lang)('catalogue.category.moved');
  });
  handle('/:id/delete', async (req) => {
    await service.delete(parseInput(idParam, req.params.id));
    return translator(req.lang)('catalogue.category.deleted');
  });
}
