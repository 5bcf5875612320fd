import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { AppContext } from '../context.ts';

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
  return session({
    name: 'tvs.sid',
    secret: ctx.sessionSecret,
    store: new PgStore({ pool: ctx.pool, tableName: 'session', createTableIfMissing: false, pruneSessionInterval: 15 * 60 }),
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
