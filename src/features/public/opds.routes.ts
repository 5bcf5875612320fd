import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import { translator } from '../../http/i18n/index.ts';
import { BOOKS_PER_PAGE } from '../search/search-query.ts';
import { acquisitionFeed, ACQ_TYPE, NAV_TYPE, navigationFeed, openSearchDescription, REL, urn, type FeedInput, type Link } from './opds.ts';
import { publishGate } from './optional-services.ts';
import type { BookCard } from './public.repository.ts';
import { links } from './public.service.ts';

const PER_PAGE = 24;
const pageParam = z.coerce.number().int().min(1).max(1000).catch(1);
const slugParam = z.string().regex(/^[a-z0-9-]{1,120}$/);
const qParam = z.string().trim().max(200).catch('');

/** The OPDS catalogue under /opds (see opds.ts). Only published books; downloads only where allowed. */
export function opdsRoutes(ctx: AppContext): Router {
  const router = Router();
  const site = ctx.services.publicSite;
  const base = ctx.config.publicBaseUrl;

  const send = (res: Response, kind: 'navigation' | 'acquisition', body: string) =>
    res
      .type(`${kind === 'navigation' ? NAV_TYPE : ACQ_TYPE}; charset=utf-8`)
      .set('Cache-Control', 'public, max-age=300')
      .send(body);

  const feed = (req: Request, id: string[], title: string, selfHref: string, kind: FeedInput['kind'], extra: Link[] = []): FeedInput => ({
    // The library's own address: every link of its feed stays inside its site.
    base: base + (req.res?.locals.base ?? ''),
    // Another library's feeds are other feeds: their ids carry its slug (the default library's stay as they were).
    id: urn(...(req.library.isDefault ? [] : [req.library.slug]), ...id),
    title,
    updated: ctx.clock.now(),
    selfHref,
    kind,
    links: extra,
    author: req.library.unionName ? `${req.library.name} — ${req.library.unionName}` : req.library.name,
    readOnline: translator(req.lang)('opds.readOnline'),
  });

  const paging = (path: string, page: number, total: number, query = '', perPage = PER_PAGE): Link[] => {
    const href = (n: number) => `${path}?${query ? `q=${encodeURIComponent(query)}&` : ''}trang=${n}`;
    const last = Math.max(1, Math.ceil(total / perPage));
    const out: Link[] = [{ rel: 'first', href: href(1), type: ACQ_TYPE }];
    if (page > 1) out.push({ rel: 'previous', href: href(page - 1), type: ACQ_TYPE });
    if (page < last) out.push({ rel: 'next', href: href(page + 1), type: ACQ_TYPE });
    out.push({ rel: 'last', href: href(last), type: ACQ_TYPE });
    return out;
  };

  const withDownload = (req: Request, books: BookCard[]) =>
    Promise.all(books.map(async (b) => ({ ...b, allowDownload: (await publishGate(ctx).check(b.id)).allowDownload })));

  router.get('/opds', async (req, res) => {
    const t = translator(req.lang);
    const now = ctx.clock.now();
    const categories = (await ctx.services.publicSite.categories(req.library.id)).filter((c) => c.books > 0);
    const entries = [
      {
        id: urn('new'),
        title: t('opds.new'),
        content: t('opds.newHint'),
        updated: now,
        link: { rel: REL.sortNew, href: '/opds/moi', type: ACQ_TYPE },
      },
      {
        id: urn('popular'),
        title: t('opds.popular'),
        content: t('opds.popularHint'),
        updated: now,
        link: { rel: REL.sortPopular, href: '/opds/pho-bien', type: ACQ_TYPE },
      },
      ...categories.map((c) => ({
        id: urn('category', c.slug),
        title: c.name,
        content: t('public.bookCount', { count: c.books }),
        updated: now,
        link: { rel: 'subsection', href: `/opds/the-loai/${c.slug}`, type: ACQ_TYPE, count: c.books },
      })),
    ];
    send(res, 'navigation', navigationFeed(feed(req, ['root'], req.library.name, '/opds', 'navigation'), entries));
  });

  router.get('/opds/opensearch.xml', (req, res) => {
    const t = translator(req.lang);
    res
      .type('application/opensearchdescription+xml; charset=utf-8')
      .send(openSearchDescription(base + res.locals.base, req.library.name, t('app.tagline')));
  });

  router.get('/opds/moi', async (req, res) => {
    const page = pageParam.parse(req.query.trang);
    const { books, total } = await site.listPage(req.library.id, 'newest', PER_PAGE, (page - 1) * PER_PAGE);
    const f = feed(
      req,
      ['new'],
      translator(req.lang)('opds.new'),
      `/opds/moi?trang=${page}`,
      'acquisition',
      paging('/opds/moi', page, total),
    );
    send(res, 'acquisition', acquisitionFeed(f, await withDownload(req, books), { total, perPage: PER_PAGE, page }));
  });

  router.get('/opds/pho-bien', async (req, res) => {
    const page = pageParam.parse(req.query.trang);
    const { books, total } = await site.listPage(req.library.id, 'popular', PER_PAGE, (page - 1) * PER_PAGE);
    const f = feed(
      req,
      ['popular'],
      translator(req.lang)('opds.popular'),
      `/opds/pho-bien?trang=${page}`,
      'acquisition',
      paging('/opds/pho-bien', page, total),
    );
    send(res, 'acquisition', acquisitionFeed(f, await withDownload(req, books), { total, perPage: PER_PAGE, page }));
  });

  router.get('/opds/the-loai/:slug', async (req, res) => {
    const slug = slugParam.safeParse(req.params.slug);
    const page = pageParam.parse(req.query.trang);
    const data = slug.success ? await ctx.services.publicSite.category(req.library.id, slug.data, page) : undefined;
    if (!data) throw notFound();
    const path = `/opds/the-loai/${data.category.slug}`;
    const f = feed(req, ['category', data.category.slug], data.category.name, `${path}?trang=${page}`, 'acquisition', [
      ...paging(path, page, data.total),
      { rel: 'alternate', href: links.category(data.category.slug), type: 'text/html' },
    ]);
    send(res, 'acquisition', acquisitionFeed(f, await withDownload(req, data.books), { total: data.total, perPage: PER_PAGE, page }));
  });

  router.get('/opds/tim', async (req, res) => {
    const q = qParam.parse(req.query.q);
    const page = pageParam.parse(req.query.trang);
    const results = await ctx.services.searchQuery.run(req.library.id, { q, page, sort: 'relevance' });
    const books = await site.cardsByIds(
      req.library.id,
      results.books.map((b) => b.id),
    );
    const t = translator(req.lang);
    const f = feed(
      req,
      ['search', q],
      t('opds.searchTitle', { q }),
      `/opds/tim?q=${encodeURIComponent(q)}&trang=${page}`,
      'acquisition',
      paging('/opds/tim', page, results.totalBooks, q, BOOKS_PER_PAGE),
    );
    // The search engine cuts pages of BOOKS_PER_PAGE; that is the page size, however many are on this one.
    send(
      res,
      'acquisition',
      acquisitionFeed(f, await withDownload(req, books), { total: results.totalBooks, perPage: BOOKS_PER_PAGE, page }),
    );
  });
  return router;
}
