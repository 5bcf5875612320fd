import { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';

/** GET /logo (inside each library's site): the library's logo, for its pages, posters and feeds. */
export function logoRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/logo', (req, res, next) => {
    const file = ctx.services.libraries.logoFile(req.library);
    if (!file) return next(notFound());
    // The key changes with every upload, but the address does not: a short cache keeps a new logo visible soon.
    res.set('Cache-Control', 'public, max-age=300');
    res.type(file.type).sendFile(file.path, (err) => err && next(notFound()));
  });
  return router;
}
