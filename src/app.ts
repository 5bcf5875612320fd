import { citySearchRoutes } from './features/libraries/city-search.routes.ts';
import { shelvesRoutes } from './features/libraries/shelves.routes.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import express, { Router, type Express } from 'express';
import helmet from 'helmet';
import type { AppContext } from './context.ts';
import { adminRoutes } from './features/admin/admin.routes.ts';
import { consentRoutes } from './features/consent/index.routes.ts';
import { authRoutes } from './features/auth/auth.routes.ts';
import { booksRoutes } from './features/catalogue/books/books.routes.ts';
import { ocrRoutes } from './features/ocr/ocr.routes.ts';
import { categoriesRoutes } from './features/catalogue/categories/categories.routes.ts';
import { usersRoutes } from './features/auth/users.routes.ts';
import { healthRoutes } from './features/health/health.routes.ts';
import { locationsRoutes } from './features/locations/locations.routes.ts';
import { scanRoutes } from './features/locations/scan.routes.ts';
import { publicRoutes } from './features/public/public.routes.ts';
import { opdsRoutes } from './features/public/opds.routes.ts';
import { readerAssets } from './features/reader/reader-assets.ts';
import { readerBeaconRoutes, readerRoutes } from './features/reader/reader.routes.ts';
import { searchApiRoutes, searchRoutes } from './features/search/search.routes.ts';
import { statsRoutes } from './features/stats/stats.routes.ts';
import { cityStatsRoutes } from './features/stats/city-stats.routes.ts';
import { visitTracking } from './features/stats/visit-tracking.ts';
import { resolveLibrary } from './features/libraries/library-context.ts';
import { CITY_PREFIX, cityRoutes } from './features/libraries/city.routes.ts';
import { logoRoutes } from './features/libraries/logo.routes.ts';
import { ADMIN_PREFIX, type GuardedRouter } from './http/admin-routes.ts';
import { loadCurrentUser, requireSignedIn, staffProbe } from './http/auth-guards.ts';
import { compression } from './http/compression.ts';
import { csrf, setCsrfKey } from './http/csrf.ts';
import { checkParsedBody, edgeHygiene, verifyUrlencoded } from './http/edge-hygiene.ts';
import { errorHandler } from './http/error-handler.ts';
import { notFound } from './http/errors.ts';
import { requestLog } from './http/request-log.ts';
import { bookRequestsAdminRoutes, bookRequestsPublicRoutes } from './features/requests/book-requests.routes.ts';
import { saveFlashBeforeRedirect, sessionMiddleware } from './http/session.ts';
import { viewLocals } from './http/view-locals.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The JSON search of a library: /api/search(/suggest) or /{slug}/api/search(/suggest). */
const SEARCH_API_PATH = /^(?:\/[^/]+)?\/api\/search(?:\/suggest)?\/?$/;

export interface App extends Express {
  /** Admin routers and their roles, for the route-guard test. */
  adminRouters: GuardedRouter[];
  /** One library's site (public and admin pages), mounted at `/` and at `/:librarySlug`; for route-walking tests. */
  siteRouter: Router;
  /** The city's pages under /thanh-pho (city roles only); for the route-guard test. */
  cityRouter: Router;
  /** One library's JSON search, mounted like the site but ahead of the session machinery; for route-walking tests. */
  searchApiRouter: Router;
}

/** Builds the Express app from a context. It does not listen: main.ts and the tests do. */
export function createApp(ctx: AppContext): App {
  const app = express() as App;
  app.adminRouters = [];
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  app.disable('x-powered-by');
  setCsrfKey(app, crypto.createHmac('sha256', ctx.sessionSecret).update('csrf tokens').digest('base64url'));
  // Express's own fallback error handler prints stacks unless env is production; ours never does.
  app.set('env', ctx.config.env === 'test' ? 'test' : 'production');
  app.set('view cache', ctx.config.env === 'production');

  // Views build links as base + path; answers given before the library is resolved (edge errors) link to `/`.
  app.use((_req, res, next) => {
    res.locals.base = '';
    next();
  });
  // NUL, lone surrogates, control characters, bad %-escapes and repeated parameters: one 400, first.
  app.use(edgeHygiene());

  // QR scans (/q/:code): the hottest path, a bare 302 that needs no logging, session or headers
  // beyond its own; each scan is counted in the statistics instead (see scan.routes.ts).
  app.use(scanRoutes(ctx));
  app.use(requestLog(ctx.log));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          // pdf.js (the reader) runs its worker from our origin and builds blob: URLs.
          // 'wasm-unsafe-eval' lets pdf.js compile its WebAssembly image/colour decoders; JavaScript eval stays forbidden.
          'script-src': ["'self'", "'wasm-unsafe-eval'"],
          'worker-src': ["'self'", 'blob:'],
          'img-src': ["'self'", 'data:', 'blob:'],
          'font-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'frame-ancestors': ["'none'"],
          'form-action': ["'self'"],
          'upgrade-insecure-requests': ctx.config.publicBaseUrl.startsWith('https://') ? [] : null,
        },
      },
      strictTransportSecurity: ctx.config.publicBaseUrl.startsWith('https://'),
      crossOriginEmbedderPolicy: false,
    }),
  );
  // Which library the address names (req.library, res.locals.base). It may ask the database, so
  // static files and health checks come before it (they must answer while PostgreSQL is down) —
  // except for the JSON search, which needs none of what follows (streaming compression, body,
  // session, CSRF, view locals: see searchApiRoutes) and so learns its library first, here.
  const libraryOf = resolveLibrary(ctx);
  const searchApi = searchApiRoutes(ctx);
  app.searchApiRouter = searchApi;
  app.use((req, res, next) => (SEARCH_API_PATH.test(req.path) ? libraryOf(req, res, next) : next()));
  app.use('/:librarySlug', (req, res, next) => (res.locals.base ? searchApi(req, res, next) : next()));
  app.use((req, res, next) => (res.locals.base ? next() : searchApi(req, res, next)));
  app.use(compression());
  app.use('/static', express.static(path.join(root, 'static'), { maxAge: '7d', index: false }));
  app.use('/static/reader', readerAssets());
  const session = sessionMiddleware(ctx);
  app.use(healthRoutes(ctx, staffProbe(session, ctx)));
  app.use(libraryOf); // before anything that counts or checks roles

  app.use(express.urlencoded({ extended: false, limit: '200kb', verify: verifyUrlencoded }));
  app.use(express.json({ limit: '200kb' }));
  app.use(checkParsedBody);
  // Anonymous reading beacon: carries no authority and cannot carry a token, so before session/CSRF.
  app.use(readerBeaconRoutes(ctx));
  app.use(session);
  app.use(saveFlashBeforeRedirect); // the page after a form finds its message
  app.use(loadCurrentUser(ctx));
  app.use(viewLocals(ctx));
  app.use(visitTracking(ctx)); // counts reader visits (first page of a session); GET only, no authority
  app.use(csrf.csrfSynchronisedProtection);

  // Global pages, not per library: sign-in/out, password links, first setup.
  app.use(authRoutes(ctx));
  // City-wide search over every library's shelf: public, so mounted before the city staff pages.
  app.use(citySearchRoutes(ctx));
  app.cityRouter = cityRoutes(ctx);
  app.use(CITY_PREFIX, app.cityRouter);
  // City-wide statistics (city leader / city admin); every library's figures.
  app.use(cityStatsRoutes(ctx));

  // One library's site. Mounted twice: at /:librarySlug when the address names a library, and at /
  // for the default (or the host's) library; resolveLibrary decided which applies (base '' or '/slug').
  const site = Router();
  app.siteRouter = site;
  site.use(publicRoutes(ctx));
  site.use(searchRoutes(ctx));
  site.use(bookRequestsPublicRoutes(ctx));
  site.use(readerRoutes(ctx));
  site.use(opdsRoutes(ctx));
  site.use(logoRoutes(ctx));
  // Everything under /admin needs a signed-in staff account OF THIS LIBRARY; each router then checks its roles.
  site.use(ADMIN_PREFIX, requireSignedIn);
  adminRoutes(ctx, app.adminRouters);
  usersRoutes(ctx, app.adminRouters);
  booksRoutes(ctx, app.adminRouters);
  categoriesRoutes(ctx, app.adminRouters);
  consentRoutes(ctx, app.adminRouters);
  locationsRoutes(ctx, app.adminRouters);
  statsRoutes(ctx, app.adminRouters);
  ocrRoutes(ctx, app.adminRouters);
  bookRequestsAdminRoutes(ctx, app.adminRouters);
  shelvesRoutes(ctx, app.adminRouters);
  for (const { mountPath, router } of app.adminRouters) site.use(mountPath, router);
  app.use('/:librarySlug', (_req, res, next) => (res.locals.base ? site(_req, res, next) : next()));
  app.use((req, res, next) => (res.locals.base ? next() : site(req, res, next)));

  app.use((_req, _res, next) => next(notFound()));
  app.use(errorHandler(ctx.log));
  return app;
}
