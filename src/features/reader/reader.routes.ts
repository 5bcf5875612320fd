import express, { Router, type NextFunction, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { AppError, forbidden, notFound } from '../../http/errors.ts';
import { isSameOrigin } from '../../http/same-origin.ts';
import { bookIdFrom } from '../public/book-access.ts';
import { publishGate, recordEvent } from '../public/optional-services.ts';
import { publicLocals } from '../public/public.routes.ts';
import { links } from '../public/public.service.ts';
import { slugify } from '../public/text.ts';
import { pictureRoutes, readerShareCard, renderPicturePage, warmPassagePictures } from './picture.routes.ts';
import { ACCEPT_CH, CHOICE_VARY, chooseReader } from './reader-choice.ts';
import { coverShareImage, share } from '../public/share.ts';
import { translator } from '../../http/i18n/index.ts';
import { libPath } from '../libraries/library-context.ts';

const pageNumber = z.coerce.number().int().min(1).max(100_000);
const queryText = z.string().trim().max(200).catch('').default('');
const coverParams = z.object({ width: z.enum(['200', '400']), ext: z.enum(['webp', 'jpg']) });

// A withdrawn book (consent revoked or expired) must stop being served at once, so caches must
// ask every time; the ETag (the file's SHA-256) keeps that question cheap: a 304 without a body.
// Offline reading of already-loaded pages is the service worker's job (static/js/sw.js).
const PDF_CACHE = 'no-cache';

/** The reader, text mode, in-book search, PDF bytes (with Range) and covers. */
export function readerRoutes(ctx: AppContext): Router {
  const router = Router();
  const reader = ctx.services.reader;
  const search = ctx.services.searchQuery;
  const previews = ctx.services.pagePreviews;

  router.use(pictureRoutes(ctx));

  router.get('/doc/:id', publicLocals, async (req, res) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const q = queryText.parse(req.query.q);
    const counted = await reader.recordOpen(req.library.id, book.id, req.get('user-agent'));
    if (counted) recordEvent(ctx, { kind: 'book_open', bookId: book.id }, req);
    const gate = await publishGate(ctx).check(book.id);
    if (chooseReader(req, gate.allowDownload) === 'pictures') {
      // A passage link names its page (?trang=150): that page is the first and only picture fetched.
      const start = pageNumber.safeParse(req.query.trang);
      const n = start.success ? Math.min(start.data, reader.pageCount(book)) : 1;
      return renderPicturePage(ctx, req, res, book, n);
    }
    res.set({ 'Accept-CH': ACCEPT_CH, Vary: CHOICE_VARY });
    // The page-1 picture is rendered in the background the first time a book is opened; this
    // visitor goes without it rather than wait.
    const hasPreview = await previews.exists(book.id);
    if (!hasPreview) void previews.ensure(book.id, book.file.storageKey);
    const preview = hasPreview ? libPath(res, links.pagePreview(book.id)) : null;
    const pageCount = reader.pageCount(book);
    const card = await readerShareCard(ctx, req, book, `/doc/${book.id}`);
    res.render('reader/reader', { book, toc: ctx.services.publicSite.toc(book), q, pageCount, preview, share: card });
  });

  // The no-JavaScript page jump: a GET form posts the number here.
  router.get('/doc/:id/trang', (req, res) => {
    const id = bookIdFrom(req.params.id);
    const n = pageNumber.safeParse(req.query.n);
    res.redirect(303, libPath(res, links.textPage(id, n.success ? n.data : 1)));
  });

  router.get('/doc/:id/trang/:n', publicLocals, async (req, res) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const n = pageNumber.safeParse(req.params.n);
    const q = queryText.parse(req.query.q);
    const page = n.success ? await reader.textPage(book, n.data, q) : undefined;
    if (!page) throw notFound();
    // The preview quotes the page itself: that is what the person sharing it wants to show.
    const t = translator(req.lang);
    const title = t('reader.textTitle', { title: book.title, page: page.pageNumber });
    const text = page.paragraphs.map((para) => para.map((seg) => seg.text).join('')).join(' ');
    const description = text.trim() || book.description || t('share.reader', { title: book.title, pages: page.pageCount });
    const image = await coverShareImage(ctx.storage, ctx.config.publicBaseUrl + res.locals.base, book);
    const path = libPath(res, links.textPage(book.id, page.pageNumber));
    const card = share(ctx.config.publicBaseUrl, { type: 'article', title, description, path, image }, req.library.name);
    res.render('reader/text-page', { book, page, q, share: card });
  });

  // In-book search without JavaScript: a page of hits linking to text mode and the reader.
  router.get('/doc/:id/tim', publicLocals, async (req, res) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const q = queryText.parse(req.query.q);
    const hits = await search.inBook(book.id, q);
    warmPassagePictures(
      ctx,
      req,
      hits.map((h) => ({ bookId: book.id, pageNumber: h.pageNumber })),
    );
    res.render('reader/book-search', { book, q, hits });
  });

  router.get('/api/sach/:id/tim', async (req, res) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const q = queryText.parse(req.query.q);
    const hits = await search.inBook(book.id, q);
    warmPassagePictures(
      ctx,
      req,
      hits.map((h) => ({ bookId: book.id, pageNumber: h.pageNumber })),
    );
    res.set('Cache-Control', 'no-store').json({ bookId: book.id, query: q, hits: hits.map(({ segments: _s, ...h }) => h) });
  });

  router.get('/sach/:id/tep.pdf', async (req, res, next) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const headers: Record<string, string> = {
      'Content-Type': 'application/pdf',
      'Cache-Control': PDF_CACHE,
      // The file is content-addressed: its SHA-256 is a strong validator for If-Range/If-None-Match.
      ETag: `"${book.file.sha256}"`,
      'X-Robots-Tag': 'noindex',
    };
    // "Read online only" (a consent that does not allow download): the file itself is never
    // served — not whole, not by ranges, not to HEAD, OPDS apps or the service worker. Those
    // readers get page pictures and page text instead (the picture reader).
    const gate = await publishGate(ctx).check(book.id);
    if (!gate.allowDownload) throw onlineOnly();
    if (req.query.download === '1') {
      const name = `${slugify(book.title) || 'sach'}.pdf`;
      headers['Content-Disposition'] = `attachment; filename="${name}"`;
      recordEvent(ctx, { kind: 'download', bookId: book.id }, req);
    } else {
      headers['Content-Disposition'] = 'inline';
    }
    res.sendFile(
      ctx.storage.path('books', book.file.storageKey),
      { acceptRanges: true, cacheControl: false, lastModified: true, headers },
      (err) => sendFileFailed(err, res, next),
    );
  });

  router.get('/sach/:id/trang-1.webp', async (req, res, next) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    // Revalidated like the PDF itself, so a withdrawn book's first page stops being served at once.
    res.sendFile(
      previews.path(book.id),
      { cacheControl: false, headers: { 'Cache-Control': 'no-cache', 'X-Robots-Tag': 'noindex' } },
      (err) => sendFileFailed(err, res, next),
    );
  });

  router.get('/sach/:id/bia-:width.:ext', async (req, res, next) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const p = coverParams.safeParse(req.params);
    if (!p.success || !book.hasCover) throw notFound();
    const current = req.query.v === String(book.coverVersion);
    res.sendFile(
      ctx.storage.path('covers', `${book.id}/${p.data.width}.${p.data.ext}`),
      {
        cacheControl: false,
        headers: { 'Cache-Control': current ? 'public, max-age=31536000, immutable' : 'public, max-age=3600' },
      },
      (err) => sendFileFailed(err, res, next),
    );
  });
  return router;
}

/** 403 with its own message: the book is readable, just not as a file; `no-store`: never kept by a cache. */
const onlineOnly = () =>
  new AppError(403, 'online_only', 'reader.onlineOnly', {}, {}, { headers: { 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' } });

/** `send` reports 416/412/304-style outcomes as errors when a callback is given: answer them as HTTP. */
function sendFileFailed(err: unknown, res: Response, next: NextFunction): void {
  if (!err || res.headersSent) return;
  const e = err as NodeJS.ErrnoException & { status?: number; headers?: Record<string, string> };
  if (e.code === 'ENOENT') return next(notFound());
  if (e.status && e.status >= 400 && e.status < 500) {
    res
      .status(e.status)
      .set(e.headers ?? {})
      .end();
    return;
  }
  next(err);
}

const beaconSchema = z.object({
  pages: z.coerce.number().int().min(1).max(100_000),
  /** The page numbers shown (newer readers); bounded so the body stays small. */
  seen: z.array(z.number().int().min(1).max(100_000)).max(5000).optional(),
});

/**
 * "Pages read" beacon (navigator.sendBeacon on leaving the reader). Mounted BEFORE the CSRF
 * middleware: it is anonymous, changes nothing but an approximate counter, and a beacon cannot
 * carry a token. So it is bounded instead: refused from other sites, and a page counted once per
 * visitor and day, at most the book's page count (ReadingCredits). The book must be public.
 */
export function readerBeaconRoutes(ctx: AppContext): Router {
  const router = Router();
  router.post('/api/doc/:id/da-doc', express.json({ limit: '32kb', type: ['application/json', 'text/plain'] }), async (req, res) => {
    if (!isSameOrigin(req, ctx.config.publicBaseUrl)) throw forbidden();
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const body = beaconSchema.safeParse(req.body);
    if (body.success) {
      const visitor = { ip: req.ip, userAgent: req.get('user-agent'), libraryId: req.library.id };
      const pages = await ctx.services.readingCredits.credit(visitor, book.id, body.data, ctx.services.reader.pageCount(book));
      if (pages > 0) recordEvent(ctx, { kind: 'pages_read', bookId: book.id, pages }, req);
    }
    res.status(204).end();
  });
  return router;
}
