import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/**
 * Synchroniser-token CSRF protection (csrf-sync): the token lives in the session and every
 * state-changing request must echo it in the `_csrf` form field or the `x-csrf-token` header.
 * Multipart uploads send it in the header (or query) because the body is parsed later, by multer.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const fromHeader = req.headers['x-csrf-token'];
    if (typeof fromHeader === 'string') return fromHeader;
    const fromQuery = req.query._csrf;
    return typeof fromQuery === 'string' ? fromQuery : undefined;
  },
});
