import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.ts';
import { guardedRouter, type GuardedRouter } from '../../../http/admin-routes.ts';
import { AppError, notFound } from '../../../http/errors.ts';
import { translator } from '../../../http/i18n/index.ts';
import { idParam, parseInput } from '../../../http/validation.ts';
import { coverParams, listQuerySchema, metadataSchema, withdrawSchema } from '../catalogue.schemas.ts';
import { coverKeys, isCoverWidth } from './covers.ts';
import { PublishBlocked, publishBlockedText } from './publish-gate.ts';
import { ingestErrorText } from '../ingest/import-text.ts';
import { ingestProgress, ingestProgressText } from '../ingest/ingest-progress.ts';
import { discard, sniff, uploadedFiles, uploadMiddleware } from '../ingest/upload-storage.ts';
import { uploadRoutes } from '../ingest/upload.routes.ts';
import { libPath } from '../../libraries/library-context.ts';
import { scopeParam } from '../../libraries/library-scope.ts';

const PAGE_SIZE = 50;

/** Librarian pages for books: list, the book page (metadata, state, cover), and its status JSON. */
export function booksRoutes(ctx: AppContext, registry: GuardedRouter[]): void {
  const router = guardedRouter(registry, '/books', ['admin', 'librarian']);
  scopeParam(ctx, router, 'id', 'book');
  scopeParam(ctx, router, 'importId', 'bookImport');
  const { books: booksService } = ctx.services;
  uploadRoutes(ctx, router); // /new, /upload, /import-zip: before /:id

  router.get('/', async (req, res) => {
    const f = listQuerySchema.parse(req.query);
    const page = f.page ?? 1;
    const [list, categories] = await Promise.all([
      booksService.list({
        libraryId: req.library.id,
        status: f.status,
        ingest: f.ingest,
        flag: f.flag,
        q: f.q,
        categoryId: f.category,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      }),
      ctx.services.categories.list(req.library.id),
    ]);
    res.render('catalogue/books', { list, filter: f, page, pages: Math.max(1, Math.ceil(list.total / PAGE_SIZE)), categories });
  });

  const bookId = (req: Request) => parseInput(idParam, req.params.id);

  const renderBook = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const id = bookId(req);
    const [{ book, file, authors, categories: selected }, categories, ocrPanel] = await Promise.all([
      booksService.details(id),
      ctx.services.categories.list(req.library.id),
      ctx.services.ocr.panel(id),
    ]);
    // Show why publishing is blocked next to the button (consent reasons), before anyone clicks.
    const publishGate = ctx.services.publishGate;
    const decision = book.status !== 'published' && book.ingest_status === 'indexed' ? await publishGate.check(id) : null;
    const gate = decision && { ...decision, reasons: publishGate.describe(decision.problems, req.lang) };
    const values = {
      title: book.title,
      authors: authors.map((a) => a.name).join('; '),
      description: book.description,
      language: book.language,
      publicationYear: book.publication_year ?? '',
      publisher: book.publisher ?? '',
      isbn: book.isbn ?? '',
      tags: book.tags.join(', '),
      categories: selected.map((c) => String(c.id)),
    };
    res.render('catalogue/book', {
      book,
      progress: ingestProgress(book, ctx.clock.now()),
      progressText: ingestProgressText(ingestProgress(book, ctx.clock.now()), translator(req.lang)),
      file,
      categories,
      gate,
      ingestError: ingestErrorText(book.ingest_error, req.lang),
      values,
      errors: {},
      ocrPanel,
      ...extra,
    });
  };

  router.get('/:id', (req, res) => renderBook(req, res));

  /** Polled by static/js/book-status.js while ingest runs. */
  router.get('/:id/status', async (req, res) => {
    const book = await booksService.mustFind(bookId(req));
    const t = translator(req.lang);
    res.set('Cache-Control', 'no-store').json({
      id: book.id,
      status: book.status,
      ingestStatus: book.ingest_status,
      ingestLabel: t(`catalogue.ingest.${book.ingest_status}`),
      progress: book.ingest_progress,
      // "120 / 400 trang · còn khoảng 2 phút": worded here so the page and the script say the same.
      progressText: ingestProgressText(ingestProgress(book, ctx.clock.now()), t),
      progressTotal: book.ingest_total,
      pageCount: book.page_count,
      error: ingestErrorText(book.ingest_error, req.lang) || null,
      indexPending: book.index_pending,
      needsOcr: book.needs_ocr,
      legacyEncoding: book.legacy_encoding,
      hasCover: book.has_cover,
      coverVersion: book.cover_version,
      done: book.ingest_status === 'indexed' || book.ingest_status === 'failed',
    });
  });

  router.post('/:id', async (req, res) => {
    const id = bookId(req);
    const parsed = metadataSchema.safeParse(req.body);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues)
        errors[String(issue.path[0])] ??= issue.message.includes('.') ? issue.message : 'error.invalid';
      res.status(400);
      const body = req.body as Record<string, unknown>;
      const cats = body.categories;
      return renderBook(req, res, {
        errors,
        values: { ...body, categories: Array.isArray(cats) ? cats : cats ? [cats] : [] },
        formError: translator(req.lang)('error.invalid'),
      });
    }
    const v = parsed.data;
    await booksService.updateMetadata(id, {
      title: v.title,
      authors: v.authors,
      description: v.description,
      language: v.language,
      publicationYear: v.publicationYear,
      publisher: v.publisher,
      isbn: v.isbn,
      categoryIds: v.categories,
      tags: v.tags,
    });
    flash(req, 'info', translator(req.lang)('catalogue.book.saved'));
    res.redirect(303, libPath(res, `/admin/books/${id}`));
  });

  const action = (path: string, run: (req: Request, id: number) => Promise<string>) =>
    router.post(path, async (req, res) => {
      const id = bookId(req);
      try {
        flash(req, 'info', await run(req, id));
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 404) throw err;
        const text =
          err instanceof PublishBlocked
            ? publishBlockedText(ctx.services.publishGate, err, req.lang)
            : translator(req.lang)(err.messageKey, err.params);
        flash(req, 'error', text);
      }
      res.redirect(
        303,
        libPath(res, path.endsWith('/delete') && req.session.flash?.kind === 'info' ? '/admin/books' : `/admin/books/${id}`),
      );
    });

  action('/:id/publish', async (req, id) => (await booksService.publish(id, req.user!), translator(req.lang)('catalogue.book.published')));
  action('/:id/withdraw', async (req, id) => {
    const { reason } = parseInput(withdrawSchema, req.body);
    const r = await booksService.withdraw(id, req.user!, reason || undefined);
    const t = translator(req.lang);
    return r.removedInMs === null ? t('catalogue.book.withdrawnPending') : t('catalogue.book.withdrawn', { ms: r.removedInMs });
  });
  action(
    '/:id/draft',
    async (req, id) => (await booksService.backToDraft(id, req.user!), translator(req.lang)('catalogue.book.backToDraft')),
  );
  action('/:id/reingest', async (req, id) => (await booksService.reingest(id), translator(req.lang)('catalogue.book.reingestQueued')));
  action('/:id/delete', async (req, id) => (await booksService.delete(id, req.user!), translator(req.lang)('catalogue.book.deleted')));

  /** Replaces the cover with an uploaded image (JPEG, PNG or WebP, recognised by its bytes). */
  router.post(
    '/:id/cover',
    uploadMiddleware(ctx.storage, { field: 'cover', maxFiles: 1, maxBytes: 15 * 1024 * 1024 }),
    async (req, res) => {
      const id = bookId(req);
      const files = uploadedFiles(req);
      try {
        const file = files[0];
        const kind = file ? sniff(file.head) : null;
        if (!file || !kind || kind === 'pdf' || kind === 'zip') throw new AppError(400, 'not_image', 'catalogue.cover.notImage');
        await booksService.mustFind(id);
        const images = await ctx.services.pdf
          .get()
          .coverFromImage(file.path)
          .catch(() => {
            throw new AppError(400, 'not_image', 'catalogue.cover.notImage');
          });
        await booksService.replaceCover(id, images);
        flash(req, 'info', translator(req.lang)('catalogue.cover.replaced'));
      } catch (err) {
        if (!(err instanceof AppError) || err.status === 404) throw err;
        const text =
          err instanceof PublishBlocked
            ? publishBlockedText(ctx.services.publishGate, err, req.lang)
            : translator(req.lang)(err.messageKey, err.params);
        flash(req, 'error', text);
      } finally {
        await discard(files);
      }
      res.redirect(303, libPath(res, `/admin/books/${id}`));
    },
  );

  /** Cover preview for librarians (drafts too; the public route serves published books only). */
  router.get('/:id/cover-:width.:format', async (req, res) => {
    const id = bookId(req);
    const { width, format } = parseInput(coverParams, req.params);
    if (!isCoverWidth(width)) throw notFound();
    const file = ctx.storage.path('covers', coverKeys.file(id, width, format));
    res.set('Cache-Control', 'private, no-cache');
    res.sendFile(file, (err) => {
      if (err && !res.headersSent) res.status(404).end();
    });
  });
}

function flash(req: Request, kind: 'info' | 'error', text: string): void {
  req.session.flash = { kind, text };
}
