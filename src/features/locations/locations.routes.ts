import type { Request, Response, Router } from 'express';
import type { AppContext } from '../../context.ts';
import { LOCATION_KINDS } from '../../db/schema/locations.ts';
import { guardedRouter, type GuardedRouter } from '../../http/admin-routes.ts';
import { formView } from '../../http/error-handler.ts';
import { notFound } from '../../http/errors.ts';
import { translator } from '../../http/i18n/index.ts';
import { idParam, parseInput } from '../../http/validation.ts';
import { bookQuery, locationSchema, posterQuery, qrFile, placeQuery } from './locations.schemas.ts';
import { qrPng, qrSvg, QR_SIZES, scanUrl, type QrSize } from './qr.ts';
import { links } from '../public/public.service.ts';
import { libPath } from '../libraries/library-context.ts';
import { scopeParam } from '../libraries/library-scope.ts';

/** How many published books the picker's <datalist> offers (newest first; typing finds the rest). */
const BOOK_CHOICES = 1000;

/** Locations, their QR codes and printable posters: librarians and admins. */
export function locationsRoutes(ctx: AppContext, registry: GuardedRouter[]): Router {
  const router = guardedRouter(registry, '/locations', ['librarian', 'admin']);
  scopeParam(ctx, router, 'id', 'location');
  const locations = ctx.services.locations;
  const base = () => ctx.config.publicBaseUrl;

  const listLocals = async (req: Request) => ({
    locations: await locations.list(req.library.id),
    kinds: LOCATION_KINDS,
    scanUrl: (code: string) => scanUrl(base(), code),
  });

  router.get('/', async (req, res) => {
    res.render('locations/list', await listLocals(req));
  });

  router.post(
    '/',
    async (req, res, next) => {
      Object.assign(res.locals, await listLocals(req)); // the form re-renders with the list
      next();
    },
    formView('locations/list'),
    async (req, res) => {
      const loc = await locations.create(req.library.id, parseInput(locationSchema, req.body));
      req.session.flash = { kind: 'info', text: translator(req.lang)('locations.created', { name: loc.name }) };
      res.redirect(303, libPath(res, `/admin/locations/${loc.id}`));
    },
  );

  const detailLocals = async (req: Request) => {
    const loc = await locations.get(parseInput(idParam, req.params.id));
    const bookChoices = await locations.bookChoices(req.library.id, BOOK_CHOICES);
    return { location: loc, kinds: LOCATION_KINDS, url: scanUrl(base(), loc.code), sizes: QR_SIZES, values: loc, bookChoices };
  };

  const chooseBook = (req: Request, input: unknown) =>
    locations.chooseBook(req.library.id, input, (q) => ctx.services.searchQuery.suggest(req.library.id, q));

  /**
   * A poster for one book, from the book's page: at a place (its QR is counted there) or at none
   * (the QR leads straight to the book). ?book=ID|title&place=ID|''&size=a4|a5.
   * Registered before /:id, which would read "poster" as a location id.
   */
  router.get('/poster', async (req, res) => {
    const choice = await chooseBook(req, req.query.book);
    const size = posterQuery.parse(req.query).size;
    if (choice.kind === 'none') throw notFound();
    if (choice.kind === 'choose') {
      // Nothing found is a 404 (a stale link), several matches a page to choose from.
      res.status(choice.matches.length ? 200 : 404);
      return res.render('locations/choose-book', { choice, size, action: '/admin/locations/poster' });
    }
    const placeId = parseInput(placeQuery, req.query.place);
    const loc = placeId ? await locations.get(placeId) : null;
    if (loc && loc.library_id !== req.library.id) throw notFound(); // another library's place
    const url = loc ? scanUrl(base(), loc.code, choice.id) : base() + res.locals.base + links.book(choice);
    res.render('locations/poster', {
      location: loc,
      size,
      url,
      book: { id: choice.id, title: choice.title },
      places: (await locations.list(req.library.id)).filter((l) => l.active),
      // Without a place there is no location QR route: the SVG is inlined as a data: URL (allowed by img-src).
      qrSrc: loc
        ? `/admin/locations/${loc.id}/qr/1024.svg?book=${choice.id}`
        : `data:image/svg+xml;base64,${Buffer.from(await qrSvg(url, 1024)).toString('base64')}`,
    });
  });

  router.get('/:id', async (req, res) => {
    res.render('locations/detail', await detailLocals(req));
  });

  router.post(
    '/:id',
    async (req, res, next) => {
      Object.assign(res.locals, await detailLocals(req));
      next();
    },
    formView('locations/detail'),
    async (req, res) => {
      const loc = await locations.update(parseInput(idParam, req.params.id), parseInput(locationSchema, req.body));
      req.session.flash = { kind: 'info', text: translator(req.lang)('locations.updated', { name: loc.name }) };
      res.redirect(303, libPath(res, `/admin/locations/${loc.id}`));
    },
  );

  for (const [action, active] of [
    ['deactivate', false],
    ['activate', true],
  ] as const) {
    router.post(`/:id/${action}`, async (req, res) => {
      const loc = await locations.setActive(parseInput(idParam, req.params.id), active);
      req.session.flash = {
        kind: 'info',
        text: translator(req.lang)(active ? 'locations.activated' : 'locations.deactivated', { name: loc.name }),
      };
      res.redirect(303, libPath(res, `/admin/locations/${loc.id}`));
    });
  }

  // QR images: /admin/locations/:id/qr/512.png (?book=ID for a book's poster; ?download=1 to save).
  router.get('/:id/qr/:file', async (req, res: Response) => {
    const loc = await locations.get(parseInput(idParam, req.params.id));
    const file = qrFile.safeParse(req.params.file);
    if (!file.success) throw notFound();
    const bookId = parseInput(bookQuery, req.query.book);
    const url = scanUrl(base(), loc.code, bookId);
    const name = `qr-${loc.code}${bookId ? `-${bookId}` : ''}-${file.data.size}.${file.data.ext}`;
    res.set('Cache-Control', 'private, max-age=300');
    res.set('Content-Disposition', `${req.query.download ? 'attachment' : 'inline'}; filename="${name}"`);
    if (file.data.ext === 'png') res.type('png').send(await qrPng(url, file.data.size as QrSize));
    else res.type('image/svg+xml').send(await qrSvg(url, file.data.size as QrSize));
  });

  // The printable poster (A4/A5): library name, place, QR code, invitation and the URL in text.
  // ?book= comes from the book picker: a number, "Title · #12", or part of a title.
  router.get('/:id/poster', async (req, res) => {
    const loc = await locations.get(parseInput(idParam, req.params.id));
    const q = posterQuery.parse(req.query);
    const choice = await chooseBook(req, req.query.book);
    if (choice.kind === 'choose') {
      res.status(choice.matches.length ? 200 : 404);
      return res.render('locations/choose-book', { choice, size: q.size, action: `/admin/locations/${loc.id}/poster` });
    }
    const book = choice.kind === 'book' ? { id: choice.id, title: choice.title } : null;
    const url = scanUrl(base(), loc.code, book?.id);
    res.render('locations/poster', {
      location: loc,
      size: q.size,
      url,
      book,
      places: (await locations.list(req.library.id)).filter((l) => l.active),
      qrSrc: `/admin/locations/${loc.id}/qr/1024.svg${book ? `?book=${book.id}` : ''}`,
    });
  });

  return router;
}
