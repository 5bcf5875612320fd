import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.ts';
import type { Origin } from './events.ts';
import { isBot } from './visitor.ts';
import {
  encodeVisitCookie,
  minutesOf,
  readVisitCookie,
  REFRESH_MINUTES,
  sessionAlive,
  VISIT_COOKIE,
  type VisitCookie,
} from './visit-cookie.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This browsing session's origin, set by visitTracking (or the scan endpoint). */
      visit?: { origin: Origin; code: string | null };
      /** The active location whose QR code started this session, with its name (for the welcome). */
      visitLocation?: { code: string; name: string } | null;
    }
  }
}

/** The cookie outlives the 30-minute session so late beacons (a long read) keep their attribution. */
const COOKIE_MAX_AGE_S = 12 * 3600;

/**
 * Sets the visit cookie. Written by hand rather than with res.cookie(): the value is already
 * cookie-safe ([a-z0-9.]) and this runs on every QR scan, the hottest path of the site.
 */
export function setVisitCookie(ctx: AppContext, res: Response, value: VisitCookie): void {
  const secure = ctx.config.session.cookieSecure ? '; Secure' : '';
  res.append(
    'Set-Cookie',
    `${VISIT_COOKIE}=${encodeVisitCookie(value)}; Max-Age=${COOKIE_MAX_AGE_S}; Path=/; HttpOnly; SameSite=Lax${secure}`,
  );
}

// Not reader pages: staff pages, files, APIs, the scan endpoint itself, health checks.
const NOT_PAGES =
  /^\/(admin|static|api|q|healthz|readyz|dang-nhap|dang-xuat|thiet-lap|dat-mat-khau|ngon-ngu|opds|manifest|sw\.js|favicon)(\/|$|\.)/;
const FILE = /\.[a-z0-9]{2,5}$/i;

/** A page a person asked for (not an image, script, PDF range or fetch). */
function isReaderPageView(req: Request, res: Response): boolean {
  if (req.method !== 'GET') return false;
  // Inside a library's address (/phuong-1/opds…), the same paths are not pages either.
  const path = req.path.slice(res.locals.base?.length ?? 0) || '/';
  if (NOT_PAGES.test(path) || FILE.test(path)) return false;
  // A page the service worker fetches for a navigation (on every returning reader's phone) comes
  // with Sec-Fetch-Dest: empty, but keeps Sec-Fetch-Mode: navigate.
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string' && dest !== 'document' && req.headers['sec-fetch-mode'] !== 'navigate') return false;
  return req.accepts('html') === 'html';
}

/**
 * Counts visits: the first reader page view of a session is a "visit", attributed to the place
 * whose QR code started it (the scan endpoint sets the cookie) or "direct" when there was none.
 * Staff signed in to the admin are not counted; link-preview bots and crawlers are counted apart.
 */
export function visitTracking(ctx: AppContext) {
  const events = ctx.services.events;
  const locations = ctx.services.locations;
  return async (req: Request, res: Response, next: NextFunction) => {
    if (!isReaderPageView(req, res) || req.user) return next();
    const ua = req.headers['user-agent'];
    const cookie = readVisitCookie(req.headers.cookie);
    if (isBot(ua)) {
      // Crawlers keep no cookies: each fetch is recorded as a bot hit, never as a visit.
      events.recordDirectVisit(req);
      return next();
    }
    const now = ctx.clock.now();
    if (cookie && sessionAlive(cookie, now)) {
      req.visit = { origin: cookie.origin, code: cookie.code };
      if (minutesOf(now) - cookie.refreshedAt >= REFRESH_MINUTES) setVisitCookie(ctx, res, { ...cookie, refreshedAt: minutesOf(now) });
    } else {
      req.visit = { origin: 'direct', code: null };
      events.recordDirectVisit(req);
      setVisitCookie(ctx, res, { origin: 'direct', code: null, refreshedAt: minutesOf(now) });
    }
    req.visitLocation = null;
    if (req.visit.origin === 'qr' && req.visit.code) {
      // A failed lookup only costs the welcome line, never the page.
      const loc = locations.peek(req.visit.code) ?? (await locations.resolveCode(req.visit.code).catch(() => null));
      if (loc?.active) req.visitLocation = { code: loc.code, name: loc.name };
    }
    next();
  };
}
