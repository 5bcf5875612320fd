import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import type { AppContext } from '../context.ts';
import { isDatabaseUnavailable } from '../infra/faults.ts';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    flash?: { kind: 'info' | 'error'; text: string };
  }
}

/**
 * Sessions live in PostgreSQL (connect-pg-simple). Readers never get one unless they submit
 * a form: saveUninitialized is off, so browsing the library sets no cookie.
 */
export function sessionMiddleware(ctx: AppContext) {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({ pool: ctx.pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: 15 * 60 });
  // express-session saves the session after the page is written; a failed save then reaches the
  // error handler with the response half sent, and the socket is cut. While PostgreSQL is down a
  // page that only *created* a session (a form's CSRF seed) is still worth showing: its form will
  // get the friendly 503 when posted. Other save errors still fail the request.
  const set = store.set.bind(store);
  store.set = (sid, data, callback) =>
    set(sid, data, (err?: unknown) => {
      if (err && isDatabaseUnavailable(err)) {
        ctx.log.warn({ code: 'database_unavailable' }, 'session not saved: database unavailable');
        return callback?.();
      }
      callback?.(err);
    });
  return session({
    name: 'tvs.sid',
    secret: ctx.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: ctx.config.trustProxy !== false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.session.cookieSecure,
      maxAge: 12 * 3600 * 1000,
    },
  });
}

/**
 * A flash message set just before a redirect is stored before the redirect goes out.
 * express-session saves at the end of the response, after the 303's headers are written (it holds
 * back only the last byte): a browser following the redirect at once may read the session first,
 * and the page after the form then lacks its message (it shows a page later, or is lost). Saving
 * first costs one write, only on the redirects that carry a flash. A failed save still redirects:
 * express-session tries again at the end and reports the error as before.
 */
export function saveFlashBeforeRedirect(req: Request, res: Response, next: NextFunction): void {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!req.session?.flash) return redirect(...args);
    req.session.save(() => redirect(...args));
  }) as Response['redirect'];
  next();
}
