import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { wantsJson } from '../../http/error-handler.ts';
import { AppError } from '../../http/errors.ts';
import type { MessageKey } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { libPath } from './library-context.ts';
import type { CategoriesResult, ShelveResult, UnshelveResult } from './shelves.service.ts';

const listQuery = z.object({
  q: z.string().trim().max(200).default(''),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  done: z.enum(['shelved', 'removed', 'categories_saved']).optional(),
});

/** Refusals of a shelving request: HTTP status and the sentence the librarian reads. */
type Outcome = ShelveResult | UnshelveResult | CategoriesResult;
const REFUSALS: Record<Exclude<Outcome, 'shelved' | 'removed' | 'categories_saved'>, [number, MessageKey]> = {
  not_found: [404, 'shelves.error.notFound'],
  own_book: [409, 'shelves.error.ownBook'],
  not_published: [409, 'shelves.error.notPublished'],
  not_sharable: [409, 'shelves.error.notSharable'],
  already_shelved: [409, 'shelves.error.alreadyShelved'],
  not_shelved: [409, 'shelves.error.notShelved'],
  bad_category: [400, 'shelves.error.badCategory'],
};

/** Checkboxes: none, one (a string) or several (an array) category ids. */
const categoriesBody = z.object({
  categoryIds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(idParam).max(200)),
});

/**
 * "Sách dùng chung": librarians of a library browse the books other libraries published with a
 * consent scope that allows sharing, and put them on (or take them off) their own shelf.
 */
export function shelvesRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/sach-dung-chung', ['admin', 'librarian']);
  const shelves = ctx.services.shelves;

  router.get('/', async (req, res) => {
    const query = parseInput(listQuery, req.query);
    const { books, total } = await shelves.browse(req.library.id, query.q, query.page);
    const { categories, chosen } = await shelves.categoriesFor(
      req.library.id,
      books.filter((b) => b.shelved).map((b) => b.id),
    );
    res.setHeader('Cache-Control', 'private, no-store');
    if (wantsJson(req)) return void res.json({ books, total });
    res.render('libraries/shared-catalogue', { books, total, q: query.q, page: query.page, done: query.done ?? null, categories, chosen });
  });

  const act = (run: (libraryId: number, bookId: number, req: Request) => Promise<Outcome>) =>
    async function (req: Request, res: Response) {
      const bookId = parseInput(idParam, req.params.bookId);
      const result = await run(req.library.id, bookId, req);
      if (result !== 'shelved' && result !== 'removed' && result !== 'categories_saved') {
        const [status, key] = REFUSALS[result];
        throw new AppError(status, result, key);
      }
      if (wantsJson(req)) return void res.json({ result, bookId });
      res.redirect(303, libPath(res, `/admin/sach-dung-chung?done=${result}`));
    };

  router.post(
    '/:bookId/len-ke',
    act((libraryId, bookId, req) => shelves.shelve(libraryId, bookId, req.user!)),
  );
  router.post(
    '/:bookId/xuong-ke',
    act((libraryId, bookId, req) => shelves.unshelve(libraryId, bookId, req.user!)),
  );
  router.post(
    '/:bookId/the-loai',
    act((libraryId, bookId, req) => shelves.setCategories(libraryId, bookId, parseInput(categoriesBody, req.body).categoryIds, req.user!)),
  );
  return router;
}
