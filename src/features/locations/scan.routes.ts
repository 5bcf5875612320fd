import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.ts';
import type { LocationRef } from './locations.service.ts';
import { setVisitCookie } from '../stats/visit-tracking.ts';
import { minutesOf, readVisitCookie, sessionAlive } from '../stats/visit-cookie.ts';
import type { Origin } from '../stats/events.ts';
import { isBot } from '../stats/visitor.ts';

const CODE = /^[a-z0-9]{4,16}$/;
const BOOK_ID = /^[1-9][0-9]{0,15}$/;

/**
 * GET /q/:code (a location's poster) and /q/:code/:bookId (a book's poster at that location).
 *
 * The hot path of the whole site: posters are scanned in bursts. It answers 302 at once — the code
 * is resolved from an in-memory cache, the scan is appended to the events buffer (written in
 * batches, see EventsService) and no session or database round-trip is involved. It is mounted
 * before the request logger and the session middleware for that reason; scans are counted in the
 * statistics instead of in access logs.
 */
export function scanRoutes(ctx: AppContext): Router {
  const router = Router();
  const locations = ctx.services.locations;
  const events = ctx.services.events;
  const handle = (req: Request, res: Response): void | Promise<void> => {
    const code = String(req.params.code).toLowerCase();
    const bookParam = req.params.bookId as string | undefined;
    const bookId = bookParam !== undefined && BOOK_ID.test(bookParam) ? Number(bookParam) : null;
    // Inside the poster's library (its location decides: `/` or `/{slug}/…`); an unknown code lands at `/`.
    const target = bookId ? `/sach/${bookId}` : '/';
    if (!CODE.test(code) || (bookParam !== undefined && !bookId)) return redirect(res, target);
    // Synchronous on a cache hit (nearly always): no promise, no database.
    const cached = locations.peek(code);
    if (cached !== undefined) return count(req, res, cached, bookId, target);
    return locations.resolveCode(code).then(
      (loc) => count(req, res, loc, bookId, target),
      (err: unknown) => {
        // Database unreachable and the code not in the cache: the reader still lands on the library,
        // and the scan waits in the buffer with its code, which is resolved when it is written (an
        // unknown code then counts as direct). No visit cookie: the place is not confirmed.
        ctx.log.warn({ err, code }, 'location lookup failed; scan counted unconfirmed');
        events.recordScan('qr', code, req, bookId, !isBot(req.headers['user-agent']));
        redirect(res, target);
      },
    );
  };

  const count = (req: Request, res: Response, loc: LocationRef | null, bookId: number | null, target: string): void => {
    // A mistyped code still lands somewhere useful, but counts for nothing.
    if (!loc) return redirect(res, target);
    target = loc.base + target;
    const origin: Origin = loc.active ? 'qr' : 'inactive';
    if (isBot(req.headers['user-agent'])) {
      // Link previews (Zalo, Facebook…) and crawlers: counted apart as bot hits (by the buffer), no cookie.
      events.recordScan(origin, loc.code, req, bookId, false);
      return redirect(res, target);
    }
    const now = ctx.clock.now();
    const current = readVisitCookie(req.headers.cookie);
    const sameSession =
      current && sessionAlive(current, now) && current.origin === origin && current.code === (origin === 'qr' ? loc.code : null);
    // Scanning starts a visit unless this browser is already in a session from the same poster place.
    events.recordScan(origin, loc.code, req, bookId, !sameSession);
    setVisitCookie(ctx, res, { origin, code: loc.code, refreshedAt: minutesOf(now) });
    redirect(res, target);
  };

  router.get('/q/:code', handle);
  router.get('/q/:code/:bookId', handle);
  return router;
}

/**
 * A bodiless 302 (res.redirect() would negotiate an HTML or text body nobody reads). no-store:
 * every scan must reach us to be counted.
 */
function redirect(res: Response, target: string): void {
  res.statusCode = 302;
  res.setHeader('Location', target);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', '0');
  res.end();
}
