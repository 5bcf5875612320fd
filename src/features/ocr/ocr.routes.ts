import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { notFound } from '../../http/errors.ts';
import { translator, type MessageKey } from '../../http/i18n/index.ts';
import { parseInput } from '../../http/validation.ts';
import { idParam } from '../../http/validation.ts';
import { parsePageList } from './ocr.service.ts';
import { libPath } from '../libraries/library-context.ts';
import { scopeParam } from '../libraries/library-scope.ts';

const excludeSchema = z.object({ pages: z.string().max(2000).default('') });

/**
 * Librarians steer OCR per book: progress (JSON, polled by the book page), run again, skip,
 * exclude pages. The panel itself is views/ocr/book-ocr.ejs on the book page.
 */
export function ocrRoutes(ctx: AppContext, registry: GuardedRouter[]): void {
  const router = guardedRouter(registry, '/ocr', ['admin', 'librarian']);
  scopeParam(ctx, router, 'id', 'book');
  const { ocr } = ctx.services;
  const bookId = (req: Request) => parseInput(idParam, req.params.id);
  const back = (req: Request, res: Response, kind: 'info' | 'error', key: MessageKey, params: Record<string, string | number> = {}) => {
    req.session.flash = { kind, text: translator(req.lang)(key, params) };
    res.redirect(303, libPath(res, `/admin/books/${bookId(req)}#ocr`));
  };

  router.get('/books/:id', async (req, res) => {
    const progress = await ocr.progress(bookId(req));
    if (!progress) throw notFound();
    res.set('Cache-Control', 'no-store').json(progress);
  });

  router.post('/books/:id/run', async (req, res) => {
    const id = bookId(req);
    await ctx.services.books.mustFind(id);
    const r = await ocr.runAgain(id);
    back(req, res, 'info', r === 'queued' ? 'ocr.queued' : 'ocr.nothing');
  });

  router.post('/books/:id/skip', async (req, res) => {
    const id = bookId(req);
    await ctx.services.books.mustFind(id);
    await ocr.skip(id);
    back(req, res, 'info', 'ocr.skipped');
  });

  router.post('/books/:id/exclude', async (req, res) => {
    const id = bookId(req);
    const book = await ctx.services.books.mustFind(id);
    const max = book.page_count ?? 0;
    const pages = parsePageList(parseInput(excludeSchema, req.body).pages, max);
    if (!pages) return back(req, res, 'error', 'ocr.badPages', { max });
    back(req, res, 'info', 'ocr.excluded', { n: await ocr.exclude(id, pages) });
  });
}
