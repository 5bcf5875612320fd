import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { requireRole } from '../../http/auth-guards.ts';
import { formView } from '../../http/error-handler.ts';
import { AppError, invalid, notFound, tooManyRequests } from '../../http/errors.ts';
import { translator } from '../../http/i18n/index.ts';
import { parseInput } from '../../http/validation.ts';
import { isBot } from '../stats/visitor.ts';
import { publicLocals } from '../public/public.routes.ts';
import { toCsv } from '../../http/csv.ts';
import { libPath } from '../libraries/library-context.ts';

const STATUSES = ['open', 'available', 'dismissed'] as const;
const statusQuery = z.object({ status: z.enum(STATUSES).catch('open').default('open') });
const idParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const suggestionSchema = z.object({
  title: z.string().trim().min(1, 'requests.error.title').max(200, 'requests.error.tooLong'),
  author: z.string().trim().max(200, 'requests.error.tooLong').default(''),
  note: z.string().trim().max(1000, 'requests.error.tooLong').default(''),
  // Honeypot: hidden from people by CSS and aria-hidden; form-filling bots fill it in.
  website: z.string().max(0, 'requests.error.bot').default(''),
});

/** A book is named by its number or by its address on the site (/sach/123-…). */
const bookRef = z.object({
  book: z
    .string()
    .trim()
    .transform((s) => Number(/^(?:.*\/sach\/)?(\d{1,15})(?:[-/?#].*)?$/.exec(s)?.[1] ?? NaN))
    .refine((n) => Number.isSafeInteger(n) && n > 0, 'requests.error.book'),
});

/** Readers' "Đề xuất sách" form (public, no personal data). */
export function bookRequestsPublicRoutes(ctx: AppContext): Router {
  const router = Router();
  const requests = ctx.services.bookRequests;

  router.get('/de-xuat-sach', publicLocals, (req, res) => {
    const title = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    res.render('requests/suggest', { values: { title } });
  });

  router.post('/de-xuat-sach', publicLocals, formView('requests/suggest'), async (req, res) => {
    if (isBot(req.get('user-agent'))) throw new AppError(403, 'bot_refused', 'requests.error.bot');
    const input = parseInput(suggestionSchema, req.body);
    if ((await requests.suggest(req.library.id, input, req.ip ?? 'unknown')) === 'rate_limited')
      throw tooManyRequests('requests.error.rateLimited', {});
    req.session.flash = { kind: 'info', text: translator(req.lang)('requests.thanks') };
    res.redirect(303, libPath(res, '/de-xuat-sach'));
  });
  return router;
}

/** The list for leaders and librarians; only librarians (and admins) change it. */
export function bookRequestsAdminRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/requests', ['leader', 'librarian', 'admin']);
  const requests = ctx.services.bookRequests;
  const canResolve = requireRole('librarian', 'admin');

  router.get('/', async (req, res) => {
    const { status } = statusQuery.parse(req.query);
    res.render('requests/list', { status, statuses: STATUSES, requests: await requests.list(req.library.id, status) });
  });

  router.get('/export.csv', async (req, res) => {
    const { status } = statusQuery.parse(req.query);
    const t = translator(req.lang);
    const rows = (await requests.list(req.library.id, status, 10_000)).map((r) => [
      r.label,
      r.queryKey,
      r.searches,
      r.suggestions,
      r.firstSeenAt.toISOString(),
      r.lastSeenAt.toISOString(),
      r.places.map((p) => `${p.name} (${p.searches})`).join('; '),
      r.notes.map((n) => [n.author, n.note].filter(Boolean).join(': ')).join(' | '),
      r.bookTitle ?? '',
    ]);
    const header = ['label', 'key', 'searches', 'suggestions', 'first', 'last', 'places', 'notes', 'book'].map((c) =>
      t(`requests.col.${c}` as Parameters<typeof t>[0]),
    );
    res.set('Content-Disposition', `attachment; filename="sach-ban-doc-hoi-${status}.csv"`);
    res.set('Cache-Control', 'no-store');
    res.type('text/csv; charset=utf-8').send(toCsv(header, rows));
  });

  const done = (req: Request, key: 'requests.markedAvailable' | 'requests.dismissed') => {
    req.session.flash = { kind: 'info', text: translator(req.lang)(key) };
  };

  router.post('/:id/available', canResolve, async (req, res) => {
    const id = parseInput(idParam, req.params.id);
    const { book } = parseInput(bookRef, req.body);
    const r = await requests.markAvailable(req.library.id, id, book, req.user!.id);
    if (r === 'not_found') throw notFound();
    if (r === 'no_book') throw invalid({ book: 'requests.error.book' }, 'requests.error.book');
    done(req, 'requests.markedAvailable');
    res.redirect(303, libPath(res, '/admin/requests'));
  });

  router.post('/:id/dismiss', canResolve, async (req, res) => {
    if ((await requests.dismiss(req.library.id, parseInput(idParam, req.params.id), req.user!.id)) === 'not_found') throw notFound();
    done(req, 'requests.dismissed');
    res.redirect(303, libPath(res, '/admin/requests'));
  });
  return router;
}
