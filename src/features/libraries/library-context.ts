import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.ts';
import type { CurrentLibrary } from './libraries.service.ts';
import { couldBeLibrarySlug } from './reserved-segments.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The library in the address (path slug, else host mapping, else the default). Set for every request after resolveLibrary. */
      library: CurrentLibrary;
    }
    interface Locals {
      library: CurrentLibrary;
      /** '' for a library served at `/`, '/{slug}' otherwise: every link and redirect is `base + path`. */
      base: string;
    }
  }
}

/** A path inside the current library's site: `libPath(res, '/sach/1')` → '/sach/1' or '/phuong-1/sach/1'. */
export function libPath(res: Response, path: string): string {
  return res.locals.base + path;
}

/** The same, for a library found elsewhere than in the request (a poster's location, a job). */
export function libraryBase(library: Pick<CurrentLibrary, 'slug' | 'isDefault'>, servedAtRoot = library.isDefault): string {
  return servedAtRoot ? '' : `/${library.slug}`;
}

/**
 * The one place that answers "which library am I in". A first path segment that names a library
 * wins (`/phuong-1/…`, also `/thu-vien/…` for the default); otherwise the host's library
 * (LIBRARY_HOSTS) or the default one, served at `/`. Segments used by the site's own pages are
 * never looked up, so the default library's pages cost no extra query.
 */
export function resolveLibrary(ctx: AppContext) {
  const libraries = ctx.services.libraries;
  return async (req: Request, res: Response, next: NextFunction) => {
    const first = /^\/([^/]+)/.exec(req.path)?.[1];
    let library = first && couldBeLibrarySlug(first) ? await libraries.bySlug(first) : undefined;
    let base = '';
    if (library) base = `/${library.slug}`;
    else library = (await libraries.byHost(req.hostname)) ?? (await libraries.defaultLibrary());
    req.library = library;
    res.locals.library = library;
    res.locals.base = base;
    next();
  };
}
