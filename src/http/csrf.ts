import crypto from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    /** Random seed of this session's CSRF token; the token itself is never stored (see `tokenOf`). */
    csrfSeed?: string;
  }
}

/**
 * Per app (createApp sets it): the key that turns a session's seed into its token. Kept out of app
 * settings, which Express hands to every view as `settings`.
 */
const keys = new WeakMap<object, string>();
export function setCsrfKey(app: object, key: string): void {
  keys.set(app, key);
}

/**
 * Multipart forms whose handlers parse the body with multer (uploads). For these alone, a request
 * without the `x-csrf-token` header has its token checked while the body is parsed: the form's
 * first field is `_csrf`, so it arrives before any file, and the file filter refuses the first file
 * unless the token matched (see `multipartCsrf`). Any other multipart request needs the header.
 * Tokens never travel in the URL: URLs end up in proxies' logs and browser history.
 */
// Each library's admin pages are also at /{slug}/admin/… (issue 17): the optional first segment.
const LIB = '(?:\\/[a-z0-9-]{1,40})?';
const MULTIPART_FORMS = [
  new RegExp(`^${LIB}\\/admin\\/books\\/upload$`),
  new RegExp(`^${LIB}\\/admin\\/books\\/import-zip$`),
  new RegExp(`^${LIB}\\/admin\\/books\\/\\d+\\/cover$`),
  new RegExp(`^${LIB}\\/admin\\/consents\\/\\d+\\/evidence$`),
  new RegExp(`^${LIB}\\/admin\\/consents\\/books\\/\\d+\\/consents$`),
  /^\/thanh-pho\/thu-vien\/\d+\/logo$/,
];

function isDeferredMultipart(req: Request): boolean {
  return (
    /^multipart\/form-data/i.test(req.headers['content-type'] ?? '') &&
    req.headers['x-csrf-token'] === undefined &&
    MULTIPART_FORMS.some((re) => re.test(req.path))
  );
}

/**
 * The session row (PostgreSQL) keeps only a random seed; the token is an HMAC of it under a
 * server key, so a copy of the database gives nobody a usable token.
 */
function tokenOf(req: Request, seed: string): string {
  const key = keys.get(req.app);
  if (!key) throw new Error('CSRF key not configured (createApp sets it)');
  return crypto.createHmac('sha256', key).update(seed).digest('base64url');
}

/**
 * Synchroniser-token CSRF protection (csrf-sync): the token is bound to the session and every
 * state-changing request must echo it in the `_csrf` form field or the `x-csrf-token` header.
 */
export const csrf = csrfSync({
  getTokenFromState: (req: Request) => {
    const seed = req.session?.csrfSeed;
    return typeof seed === 'string' ? tokenOf(req, seed) : undefined;
  },
  // csrf-sync hands over a fresh random value (or undefined to revoke): that is the seed.
  storeTokenInState: (req: Request, value?: string | null) => {
    if (typeof value !== 'string') delete req.session.csrfSeed;
    else req.session.csrfSeed = value;
  },
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const fromHeader = req.headers['x-csrf-token'];
    return typeof fromHeader === 'string' ? fromHeader : undefined;
  },
  skipCsrfProtection: isDeferredMultipart,
});

/** For multer: the check of a multipart form's token, as a file filter and once the body is parsed. */
export const multipartCsrf = {
  /** Runs before each file is stored: the token (an earlier field, or the header) must already match. */
  fileFilter(req: Request, _file: unknown, cb: (err: Error | null, accept?: boolean) => void): void {
    if (csrf.isRequestValid(req)) cb(null, true);
    else cb(csrf.invalidCsrfTokenError);
  },
  /** After parsing (a form may carry no file at all): the error to pass on, or null. */
  check(req: Request): Error | null {
    return csrf.isRequestValid(req) ? null : csrf.invalidCsrfTokenError;
  },
};

/** This session's token, for forms (creates the seed on first use, which starts a session). */
export function csrfToken(req: Request): string {
  csrf.generateToken(req);
  return csrf.getTokenFromState(req) as string;
}
