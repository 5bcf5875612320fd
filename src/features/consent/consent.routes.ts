import type { Request, Response, NextFunction, Router } from 'express';
import type { AppContext } from '../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { formView } from '../../http/error-handler.ts';
import { translator } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { addHolderSchema, basisSchema, grantSchema, recordConsentSchema, revokeSchema } from './consent.schemas.ts';
import { evidenceUpload, removeUploads, uploadedFiles } from './evidence-upload.ts';
import { describeProblems } from './publish-gate.service.ts';
import { consentViewHelpers } from './view-helpers.ts';
import { libPath } from '../libraries/library-context.ts';
import { scopeParam } from '../libraries/library-scope.ts';

const bookPath = (id: number) => `/admin/consents/books/${id}`;
const consentPath = (id: number) => `/admin/consents/${id}`;

/** Consent records and a book's rights page: librarians and admins. */
export function consentRecordRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/consents', ['admin', 'librarian']);
  scopeParam(ctx, router, 'bookId', 'book');
  scopeParam(ctx, router, 'holderId', 'rightsHolder');
  scopeParam(ctx, router, 'evidenceId', 'evidence');
  scopeParam(ctx, router, 'id', 'consent');
  const { consent, rightsHolders, audit } = ctx.services;
  router.use(consentViewHelpers);

  const flash = (req: Request, key: Parameters<ReturnType<typeof translator>>[0], params?: Record<string, string | number>) => {
    req.session.flash = { kind: 'info', text: translator(req.lang)(key, params) };
  };

  /** Loads the book page's data first, so a rejected form re-renders next to it. */
  const loadBook = async (req: Request, res: Response, next: NextFunction) => {
    const overview = await consent.bookOverview(parseInput(idParam, req.params.bookId));
    Object.assign(res.locals, overview, {
      reasons: describeProblems(overview.evaluation.problems, req.lang),
      allHolders: await rightsHolders.list(req.library.id),
    });
    next();
  };
  const loadConsent = async (req: Request, res: Response, next: NextFunction) => {
    const id = parseInput(idParam, req.params.id);
    Object.assign(res.locals, await consent.get(id), { history: await audit.list({ entity: 'consent', entityId: id, limit: 100 }) });
    next();
  };

  router.get('/', async (req, res) => {
    const [expiring, pending] = await Promise.all([consent.expiringSoon(req.library.id), consent.pending(req.library.id)]);
    res.render('consent/dashboard', { expiring, pending, today: consent.today() });
  });

  router.get('/books/:bookId', loadBook, (_req, res) => {
    res.render('consent/book');
  });

  router.post('/books/:bookId/holders', loadBook, formView('consent/book'), async (req, res) => {
    const bookId = parseInput(idParam, req.params.bookId);
    await rightsHolders.addRequiredHolder(bookId, parseInput(addHolderSchema, req.body), req.user!);
    flash(req, 'consent.flash.holderAdded');
    res.redirect(303, libPath(res, bookPath(bookId)));
  });

  router.post('/books/:bookId/holders/:holderId/remove', async (req, res) => {
    const bookId = parseInput(idParam, req.params.bookId);
    await rightsHolders.removeFromBook(bookId, parseInput(idParam, req.params.holderId), req.user!);
    flash(req, 'consent.flash.holderRemoved');
    res.redirect(303, libPath(res, bookPath(bookId)));
  });

  router.post('/books/:bookId/basis', loadBook, formView('consent/book'), async (req, res) => {
    const bookId = parseInput(idParam, req.params.bookId);
    await consent.setBasis(bookId, parseInput(basisSchema, req.body), req.user!);
    flash(req, 'consent.flash.basisSaved');
    res.redirect(303, libPath(res, bookPath(bookId)));
  });

  // Multipart (evidence files): the CSRF token is the form's first field, checked by evidenceUpload.
  router.post('/books/:bookId/consents', loadBook, formView('consent/book'), evidenceUpload(ctx), async (req, res) => {
    try {
      const bookId = parseInput(idParam, req.params.bookId);
      const input = parseInput(recordConsentSchema, req.body);
      const files = uploadedFiles(req).map((f) => ({ path: f.path, originalName: f.originalname }));
      const id = await consent.record(bookId, input, files, req.user!);
      flash(req, 'consent.flash.recorded', { id });
      res.redirect(303, libPath(res, bookPath(bookId)));
    } finally {
      await removeUploads(req);
    }
  });

  router.get('/evidence/:evidenceId', async (req, res) => {
    const { evidence, path } = await consent.evidenceFile(parseInput(idParam, req.params.evidenceId));
    res.setHeader('Content-Type', evidence.mime_type);
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(evidence.original_name)}`);
    // Personal documents (letters, messages): never kept by shared caches or the browser.
    res.setHeader('Cache-Control', 'private, no-store');
    res.sendFile(path, { cacheControl: false, lastModified: false, dotfiles: 'deny' });
  });

  router.get('/:id', loadConsent, (_req, res) => {
    res.render('consent/consent');
  });

  router.post('/:id/grant', loadConsent, formView('consent/consent'), async (req, res) => {
    const id = parseInput(idParam, req.params.id);
    await consent.grant(id, parseInput(grantSchema, req.body), req.user!);
    flash(req, 'consent.flash.granted');
    res.redirect(303, libPath(res, consentPath(id)));
  });

  router.post('/:id/revoke', loadConsent, formView('consent/consent'), async (req, res) => {
    const id = parseInput(idParam, req.params.id);
    const { takedown } = await consent.revoke(id, parseInput(revokeSchema, req.body).reason, req.user!);
    flash(
      req,
      takedown === 'withdrawn'
        ? 'consent.flash.revokedWithdrawn'
        : takedown === 'deferred'
          ? 'consent.flash.revokedDeferred'
          : 'consent.flash.revoked',
    );
    res.redirect(303, libPath(res, consentPath(id)));
  });

  router.post('/:id/evidence', loadConsent, formView('consent/consent'), evidenceUpload(ctx), async (req, res) => {
    try {
      const id = parseInput(idParam, req.params.id);
      await consent.addEvidence(
        id,
        uploadedFiles(req).map((f) => ({ path: f.path, originalName: f.originalname })),
        req.user!,
      );
      flash(req, 'consent.flash.evidenceAdded');
      res.redirect(303, libPath(res, consentPath(id)));
    } finally {
      await removeUploads(req);
    }
  });

  return router;
}
