import connectPgSimple from 'connect-pg-simple';
import type { RequestHandler } from 'express';
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
 * express-session saves a changed session when the response ends, after the headers are out. A
 * browser following a 303 at once can load the next page (on this instance or another) before a
 * flash message set just before the redirect is saved, and the message is lost; seen under load in
 * the browser tests. So a redirect that carries a flash saves the session first. Only then: reader
 * redirects (poster scans, old addresses) have no session and must not create one.
 */
export function saveFlashBeforeRedirect(): RequestHandler {
  return (req, res, next) => {
    const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
    res.redirect = ((...args: unknown[]) => {
      if (!req.session?.flash) return redirect(...args);
      req.session.save((err) => (err ? next(err) : redirect(...args)));
    }) as typeof res.redirect;
    next();
  };
}
