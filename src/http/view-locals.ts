import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.ts';
import { csrfToken } from './csrf.ts';
import { cookieValue } from './edge-hygiene.ts';
import { isLang, translator, type Lang } from './i18n/index.ts';

export const LANG_COOKIE = 'tvs.lang';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      lang: Lang;
    }
  }
}

/** The reader's language: the cookie, else the configured default. */
export function requestLang(ctx: AppContext, req: Request): Lang {
  const fromCookie = cookieValue(req.headers.cookie, LANG_COOKIE);
  return isLang(fromCookie) ? fromCookie : ctx.config.defaultLang;
}

/** Language (cookie, else configured default), translator, user, CSRF token and flash message for views. */
export function viewLocals(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.lang = requestLang(ctx, req);
    res.locals.lang = req.lang;
    res.locals.t = translator(req.lang);
    // Views read `user.role`: the user's role in THIS library (city roles included), not the legacy column.
    res.locals.user = req.user ? { ...req.user, role: req.staffRole ?? null } : null;
    res.locals.currentPath = req.originalUrl;
    // Only views with a form call it, so merely reading the library creates no session.
    res.locals.csrfToken = () => csrfToken(req);
    res.locals.flash = req.session?.flash ?? null;
    if (req.session?.flash) delete req.session.flash;
    res.locals.errors = {};
    res.locals.values = {};
    next();
  };
}
