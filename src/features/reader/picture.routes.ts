import fs from 'node:fs/promises';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { bookIdFrom } from '../public/book-access.ts';
import { publishGate } from '../public/optional-services.ts';
import { publicLocals } from '../public/public.routes.ts';
import type { BookRecord } from '../public/public.repository.ts';
import { translator } from '../../http/i18n/index.ts';
import { coverShareImage, share, type Share } from '../public/share.ts';
import { highlightBoxes } from './page-highlights.ts';
import { isPictureWidth, PICTURE_WIDTHS, type PageLayout } from './page-pictures.ts';
import { ACCEPT_CH, CHOICE_VARY, isPhone, likelyWidth, savesData, slowConnection } from './reader-choice.ts';
import { libPath } from '../libraries/library-context.ts';

const pageNumber = z.coerce.number().int().min(1).max(100_000);
const queryText = z.string().trim().max(200).catch('').default('');
const pictureFile = /^(\d{1,6})-(\d{3,4})\.webp$/;
/** Pages rendered ahead of the reader, on the server, when a page is shown. */
const AHEAD = 2;

// A withdrawn book's pictures must stop at once, like its PDF: caches revalidate every time
// (the ETag makes that a body-less 304). The page-reader script keeps the pictures it prefetched
// in memory, so turning pages costs no round trip.
const PICTURE_CACHE = 'no-cache';

export const pictureLinks = {
  page: (id: number, n: number, q?: string) => `/doc/${id}/anh/${n}${q ? `?q=${encodeURIComponent(q)}` : ''}`,
  picture: (id: number, n: number, width: number) => `/sach/${id}/anh/${n}-${width}.webp`,
};

/**
 * A public book, or 404/410 — and then its pictures go too (withdrawn or back to draft): nothing
 * of a book that is no longer public stays on the library's disk as a picture.
 */
async function publicBookForPictures(ctx: AppContext, library: { id: number }, id: number): Promise<BookRecord> {
  try {
    return await ctx.services.publicSite.publicBook(library.id, id);
  } catch (err) {
    if (err instanceof AppError && (err.status === 404 || err.status === 410) && (await ctx.storage.exists('pages', String(id)))) {
      await ctx.services.pagePictures.removeBook(id);
    }
    throw err;
  }
}

/** The page-picture reader: HTML page per book page, the pictures, and the highlight boxes. */
export function pictureRoutes(ctx: AppContext): Router {
  const router = Router();
  const pictures = ctx.services.pagePictures;

  // The no-JavaScript page jump.
  router.get('/doc/:id/anh', (req, res) => {
    const id = bookIdFrom(req.params.id);
    const n = pageNumber.safeParse(req.query.n);
    res.redirect(303, libPath(res, pictureLinks.page(id, n.success ? n.data : 1, queryText.parse(req.query.q))));
  });

  router.get('/doc/:id/anh/:n', publicLocals, async (req, res) => {
    const book = await publicBookForPictures(ctx, req.library, bookIdFrom(req.params.id));
    const n = pageNumber.safeParse(req.params.n);
    if (!n.success || n.data > ctx.services.reader.pageCount(book)) throw notFound();
    await renderPicturePage(ctx, req, res, book, n.data);
  });

  router.get('/sach/:id/anh/:file', async (req, res, next) => {
    const book = await publicBookForPictures(ctx, req.library, bookIdFrom(req.params.id));
    const m = pictureFile.exec(req.params.file);
    const n = m ? Number(m[1]) : 0;
    const width = m ? Number(m[2]) : 0;
    if (!m || !isPictureWidth(width) || n < 1 || n > ctx.services.reader.pageCount(book)) throw notFound();
    const file = await pictures.picture(book.id, book.file.storageKey, n, width).catch(pageMissing);
    pictures.warm(book.id, book.file.storageKey, ahead(book, n, ctx), width);
    res.sendFile(
      file,
      { cacheControl: false, lastModified: false, headers: { 'Cache-Control': PICTURE_CACHE, 'X-Robots-Tag': 'noindex' } },
      (err) => sendFailed(err, res, next),
    );
  });

  // Highlight boxes of a search on one page (for the script turning pages without reloading).
  router.get('/api/sach/:id/anh/:n', async (req, res) => {
    const book = await publicBookForPictures(ctx, req.library, bookIdFrom(req.params.id));
    const n = pageNumber.safeParse(req.params.n);
    if (!n.success || n.data > ctx.services.reader.pageCount(book)) throw notFound();
    const layout = await pictures.layout(book.id, book.file.storageKey, n.data).catch(pageMissing);
    const q = queryText.parse(req.query.q);
    res.set('Cache-Control', 'no-cache').json({ page: n.data, ratio: layout.ratio, boxes: highlightBoxes(layout.words, q) });
  });
  return router;
}

/** Renders the picture reader at page `n` (also what /doc/:id shows when pictures are the choice). */
export async function renderPicturePage(ctx: AppContext, req: Request, res: Response, book: BookRecord, n: number): Promise<void> {
  const pictures = ctx.services.pagePictures;
  const q = queryText.parse(req.query.q);
  const pageCount = ctx.services.reader.pageCount(book);
  const width = likelyWidth(req);
  // Start rendering this page and the next ones now: by the time the browser asks, they are ready.
  pictures.warm(book.id, book.file.storageKey, [n], width, { ahead: false }); // the page itself: always
  pictures.warm(book.id, book.file.storageKey, ahead(book, n, ctx), width);
  // The page is sent at once, never after a render: on a cold page the highlight boxes are then
  // fetched by the script (data-marks="pending"), in parallel with the picture. Measured: waiting
  // for the render put a deep link from a passage over its 3 s budget on a throttled phone.
  const layout: PageLayout | null = await readCachedLayout(ctx, book.id, n);
  const [gate, card] = await Promise.all([
    publishGate(ctx).check(book.id),
    readerShareCard(ctx, req, book, n === 1 ? `/doc/${book.id}` : pictureLinks.page(book.id, n, '')),
  ]);
  const widths = savesData(req) ? PICTURE_WIDTHS.filter((w) => w <= 720) : [...PICTURE_WIDTHS];
  res.set({ 'Accept-CH': ACCEPT_CH, Vary: CHOICE_VARY });
  res.render('reader/pictures', {
    book,
    n,
    q,
    pageCount,
    ratio: layout?.ratio ?? null,
    boxes: layout && q ? highlightBoxes(layout.words, q) : [],
    marksPending: !!q && !layout,
    src: pictureLinks.picture(book.id, n, width <= 720 ? width : 720),
    srcset: widths.map((w) => `${pictureLinks.picture(book.id, n, w)} ${w}w`).join(', '),
    widths,
    pageLink: (p: number) => pictureLinks.page(book.id, p, q),
    toc: ctx.services.publicSite.toc(book, 200),
    allowDownload: gate.allowDownload,
    share: card,
  });
}

/** The link preview (Open Graph / Twitter card) of a reader page: the book's cover and description. */
export async function readerShareCard(ctx: AppContext, req: Request, book: BookRecord, path: string): Promise<Share> {
  const t = translator(req.lang);
  const description = book.description || t('share.reader', { title: book.title, pages: ctx.services.reader.pageCount(book) });
  // The library's own address: the cover and the page are served inside its site (another library's is a 404).
  const libBase = req.res?.locals.base ?? '';
  const image = await coverShareImage(ctx.storage, ctx.config.publicBaseUrl + libBase, book);
  return share(ctx.config.publicBaseUrl, { type: 'book', title: book.title, description, path: libBase + path, image }, req.library.name);
}

/** Passage hits whose pages are rendered as soon as a search shows them (the first few: the ones people tap). */
const WARM_HITS = 3;

/**
 * A search results page with passage hits: for visitors who will get the picture reader, render
 * the hits' pages now, while they read the results, so that tapping one waits for bytes only.
 * Background work that must never slow the search: skipped under load, errors only logged.
 */
export function warmPassagePictures(ctx: AppContext, req: Request, hits: ReadonlyArray<{ bookId: number; pageNumber: number }>): void {
  if (!(isPhone(req) || savesData(req) || slowConnection(req))) return;
  const width = likelyWidth(req);
  for (const h of hits.slice(0, WARM_HITS)) {
    void ctx.services.publicSite
      .publicBook(req.library.id, h.bookId)
      .then((book) => {
        if (h.pageNumber <= ctx.services.reader.pageCount(book)) {
          ctx.services.pagePictures.warm(book.id, book.file.storageKey, [h.pageNumber], width);
        }
      })
      .catch(() => undefined); // not public any more: nothing to warm
  }
}

function ahead(book: BookRecord, n: number, ctx: AppContext): number[] {
  const last = ctx.services.reader.pageCount(book);
  const out: number[] = [];
  for (let p = n + 1; p <= Math.min(last, n + AHEAD); p++) out.push(p);
  return out;
}

async function readCachedLayout(ctx: AppContext, bookId: number, n: number): Promise<PageLayout | null> {
  return fs
    .readFile(ctx.storage.path('pages', ctx.services.pagePictures.layoutKey(bookId, n)), 'utf8')
    .then((s) => JSON.parse(s) as PageLayout)
    .catch(() => null);
}

/** The stored page count can exceed the file's real pages (a re-ingest pending): a page the PDF lacks is a 404. */
function pageMissing(err: unknown): never {
  if (err instanceof RangeError) throw notFound();
  throw err;
}

function sendFailed(err: unknown, res: Response, next: NextFunction): void {
  if (!err || res.headersSent) return;
  const e = err as NodeJS.ErrnoException & { status?: number };
  if (e.code === 'ENOENT') return next(notFound()); // evicted between render and send: rare, the next request renders again
  if (e.status && e.status >= 400 && e.status < 500) {
    res.status(e.status).end();
    return;
  }
  next(err);
}
