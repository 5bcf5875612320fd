import connectPgSimple from 'connect-pg-simple';
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
