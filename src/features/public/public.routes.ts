import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isbot } from 'isbot';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import { isLang, LANGS, translator } from '../../http/i18n/index.ts';
import { LANG_COOKIE } from '../../http/view-locals.ts';
import { bookIdFrom } from './book-access.ts';
import { currentLocationName, publishGate, rightsStatement } from './optional-services.ts';
import { links, linksFor } from './public.service.ts';
import { safeReturnPath } from '../../http/safe-redirect.ts';
import { serviceWorkerSource, webManifest } from './pwa.ts';
import { ACCEPT_CH } from '../reader/reader-choice.ts';
import { coverShareImage, share } from './share.ts';
import { libPath } from '../libraries/library-context.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pageParam = z.coerce.number().int().min(1).max(10_000).catch(1);
const slugParam = z.string().regex(/^[a-z0-9-]{1,120}$/);

/** Makes `links` available to every public view. */
export function publicLocals(_req: Request, res: Response, next: NextFunction): void {
  res.locals.links = linksFor(res.locals.base);
  next();
}

/** Home, book, category and author pages, the language switch and the installable-app files. */
export function publicRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(publicLocals);
  const site = ctx.services.publicSite;
  const base = ctx.config.publicBaseUrl;

  router.get('/', async (req, res) => {
    const [data, needsSetup] = await Promise.all([site.home(req.library.id), ctx.services.users.needsSetup()]);
    const t = translator(req.lang);
    const preview = share(
      base,
      { title: req.library.name, description: t('share.home', { count: data.total }), path: libPath(res, '/'), image: null },
      req.library.name,
    );
    res.render('public/home', { ...data, needsSetup, placeName: currentLocationName(req), share: preview });
  });

  // A plain link (works without JavaScript); the cookie holds only the language choice.
  router.get('/ngon-ngu/:lang', (req, res) => {
    const lang = isLang(req.params.lang) ? req.params.lang : LANGS[0];
    res.cookie(LANG_COOKIE, lang, {
      maxAge: 365 * 24 * 3600 * 1000,
      sameSite: 'lax',
      httpOnly: true,
      secure: ctx.config.session.cookieSecure,
    });
    res.redirect(303, safeReturnPath(req.query.next, '/'));
  });

  router.get('/sach/:id', async (req, res) => {
    const book = await ctx.services.publicSite.publicBook(req.library.id, bookIdFrom(req.params.id));
    const canonical = links.book(book);
    if (req.path !== canonical) return res.redirect(301, libPath(res, canonical));
    // Readers usually come through this page: have the reader's page-1 picture ready for them.
    if (!isbot(req.get('user-agent') ?? '')) void ctx.services.pagePreviews.ensure(book.id, book.file.storageKey);
    const [gate, rights, cover] = await Promise.all([
      publishGate(ctx).check(book.id),
      rightsStatement(ctx, book.id, req.lang),
      coverShareImage(ctx.storage, base + res.locals.base, book),
    ]);
    const t = translator(req.lang);
    const description = book.description || t('public.bookOgFallback', { title: book.title });
    // Ask for connection hints now, so that the reader link followed from here can pick the lighter reader.
    res.set('Accept-CH', ACCEPT_CH);
    res.render('public/book', {
      share: share(base, { type: 'book', title: book.title, description, path: libPath(res, canonical), image: cover }, req.library.name),
      book,
      toc: site.toc(book),
      allowDownload: gate.allowDownload,
      rights,
      absoluteUrl: ctx.config.publicBaseUrl + libPath(res, canonical),
    });
  });

  router.get('/the-loai', async (req, res) => {
    const t = translator(req.lang);
    const preview = share(
      base,
      { title: t('public.categories'), description: t('share.categories'), path: libPath(res, '/the-loai'), image: null },
      req.library.name,
    );
    res.render('public/categories', { categories: await site.categories(req.library.id), share: preview });
  });

  router.get('/the-loai/:slug', async (req, res) => {
    const slug = slugParam.safeParse(req.params.slug);
    const data = slug.success ? await site.category(req.library.id, slug.data, pageParam.parse(req.query.trang)) : undefined;
    if (!data) {
      // A renamed or merged category keeps its old links working (catalogue's category_redirects).
      const movedTo = slug.success ? await ctx.services.categories.movedTo(req.library.id, slug.data) : null;
      if (movedTo) return res.redirect(301, libPath(res, links.category(movedTo)));
      throw notFound();
    }
    const t = translator(req.lang);
    const path = links.category(data.category.slug);
    const description = t('share.category', { name: data.category.name, count: data.total });
    const preview = share(base, { title: data.category.name, description, path: libPath(res, path), image: null }, req.library.name);
    res.render('public/list', { heading: data.category.name, kind: 'category', basePath: libPath(res, path), ...data, share: preview });
  });

  router.get('/tac-gia/:slug', async (req, res) => {
    const slug = slugParam.safeParse(req.params.slug);
    const data = slug.success ? await site.author(req.library.id, slug.data, pageParam.parse(req.query.trang)) : undefined;
    if (!data) throw notFound();
    const t = translator(req.lang);
    const path = links.author(data.author.slug);
    const description = t('share.author', { name: data.author.name, count: data.total });
    const preview = share(base, { title: data.author.name, description, path: libPath(res, path), image: null }, req.library.name);
    res.render('public/list', { heading: data.author.name, kind: 'author', basePath: libPath(res, path), ...data, share: preview });
  });

  router.get('/manifest.webmanifest', (req, res) => {
    res
      .type('application/manifest+json')
      .set('Cache-Control', 'public, max-age=86400')
      .send(JSON.stringify(webManifest(req.lang)));
  });
  // The service worker must be served from the root to control every page of the site.
  let sw: string | undefined; // built once per process: the files it versions do not change while running
  router.get('/sw.js', (_req, res) => {
    sw ??= serviceWorkerSource(root);
    res.set('Cache-Control', 'no-cache').set('Service-Worker-Allowed', '/').type('text/javascript; charset=utf-8').send(sw);
  });
  router.get('/ngoai-tuyen', (_req, res) => {
    res.render('public/offline');
  });
  return router;
}
