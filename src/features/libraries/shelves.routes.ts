import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { wantsJson } from '../../http/error-handler.ts';
import { AppError } from '../../http/errors.ts';
import type { MessageKey } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { libPath } from './library-context.ts';
import type { ShelveResult, UnshelveResult } from './shelves.service.ts';

const listQuery = z.object({
  q: z.string().trim().max(200).default(''),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  done: z.enum(['shelved', 'removed']).optional(),
});

/** Refusals of a shelving request: HTTP status and the sentence the librarian reads. */
const REFUSALS: Record<Exclude<ShelveResult | UnshelveResult, 'shelved' | 'removed'>, [number, MessageKey]> = {
  not_found: [404, 'shelves.error.notFound'],
  own_book: [409, 'shelves.error.ownBook'],
  not_published: [409, 'shelves.error.notPublished'],
  not_sharable: [409, 'shelves.error.notSharable'],
  already_shelved: [409, 'shelves.error.alreadyShelved'],
  not_shelved: [409, 'shelves.error.notShelved'],
};

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
    res.setHeader('Cache-Control', 'private, no-store');
    if (wantsJson(req)) return void res.json({ books, total });
    res.render('libraries/shared-catalogue', { books, total, q: query.q, page: query.page, done: query.done ?? null });
  });

  const act = (run: (libraryId: number, bookId: number, req: Request) => Promise<ShelveResult | UnshelveResult>) =>
    async function (req: Request, res: Response) {
      const bookId = parseInput(idParam, req.params.bookId);
      const result = await run(req.library.id, bookId, req);
      if (result !== 'shelved' && result !== 'removed') {
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
  return router;
}
