import type { NextFunction, Request, Response } from 'express';
import { parseCookie } from 'cookie';
import { AppError } from './errors.ts';

/**
 * Input hygiene at the edge, before any route sees the request. PostgreSQL refuses NUL in text
 * (`invalid byte sequence for encoding "UTF8": 0x00`) and lone surrogates cannot be encoded at all;
 * letting them through turned crafted input into 500s deep inside services (and once poisoned the
 * statistics writer). Rejecting them here, with one clear 400, means nothing downstream has to care.
 */

/** Characters no text field of ours may hold: C0 controls (tab, LF and CR allowed in form text), DEL. */
const CONTROL_IN_TEXT = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/; // eslint-disable-line no-control-regex
/** In one-line values (query, cookies, headers, file names) tab and line breaks are not allowed either. */
const CONTROL_IN_LINE = /[\x00-\x1f\x7f]/; // eslint-disable-line no-control-regex
/** A high surrogate without its low half, or a low one without its high half: not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const invalidInput = () => new AppError(400, 'invalid_input', 'error.invalidInput');

/** True for text that can be stored and shown: well-formed UTF-16 (no lone surrogate), no control characters. */
export function isCleanText(value: string, multiline = true): boolean {
  return !LONE_SURROGATE.test(value) && !(multiline ? CONTROL_IN_TEXT : CONTROL_IN_LINE).test(value);
}

/** Percent-decodes one query/form component strictly: malformed escapes or invalid UTF-8 give null. */
function decodeComponent(raw: string): string | null {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function decodeComponentStrict(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** For text kept from outside (a search query in the statistics): lone surrogates and controls removed. */
export function stripInvalidText(value: string): string {
  return value.replace(LONE_SURROGATE_G, '').replace(CONTROL_IN_LINE_G, ' ');
}
const LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, 'g');
const CONTROL_IN_LINE_G = new RegExp(CONTROL_IN_LINE.source, 'g');

/**
 * Checks a raw `a=1&b=2` string (query or urlencoded body): every escape decodes to valid UTF-8,
 * no control characters and, in query strings, no parameter given twice (`?from=a&from=b` is
 * ambiguous; no link of ours sends a list that way — forms do, for checkbox groups, hence `body`).
 */
export function checkQueryString(raw: string, kind: 'query' | 'body'): boolean {
  const multiline = kind === 'body';
  const seen = new Set<string>();
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (key === null || value === null) return false;
    if (!isCleanText(key, false) || !isCleanText(value, multiline)) return false;
    if (kind === 'query') {
      if (seen.has(key)) return false;
      seen.add(key);
    }
  }
  return true;
}

/** The request's cookies, parsed once with the maintained `cookie` package (malformed escapes stay raw). */
export function requestCookies(req: Pick<Request, 'headers'>): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header ? parseCookie(header) : {};
}

/** One cookie's value, or undefined (absent or unparseable). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parseCookie(header)[name];
}

/** Query string, cookies and header values; mounted first, so even the QR scan path is covered. */
export function edgeHygiene() {
  return (req: Request, _res: Response, next: NextFunction) => {
    const q = req.url.indexOf('?');
    if (q !== -1 && !checkQueryString(req.url.slice(q + 1), 'query')) return next(invalidInput());
    // The path too: route parameters are percent-decoded by the router (`/admin/books/%00`).
    const pathname = decodeComponentStrict(q === -1 ? req.url : req.url.slice(0, q));
    if (pathname === null || !isCleanText(pathname, false)) return next(invalidInput());
    // Node's parser already refuses NUL and line breaks in headers; other bytes arrive as latin1.
    const raw = req.rawHeaders;
    for (let i = 1; i < raw.length; i += 2) if (CONTROL_IN_LINE.test(raw[i].replace(/\t/g, ' '))) return next(invalidInput());
    if (req.headers.cookie) {
      for (const value of Object.values(requestCookies(req)))
        if (value !== undefined && !isCleanText(value, false)) return next(invalidInput());
    }
    next();
  };
}

/** `verify` hook for express.urlencoded: the raw body must decode strictly (the parser itself would substitute U+FFFD). */
export function verifyUrlencoded(_req: Request, _res: Response, buf: Buffer): void {
  if (!checkQueryString(buf.toString('latin1'), 'body')) throw invalidInput();
}

/** After the JSON parser: every string (keys included) must be clean text. */
export function checkParsedBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.body !== undefined && !isCleanValue(req.body, 0)) return next(invalidInput());
  // Express 5 leaves req.body undefined when no parser ran (a POST without a body): handlers read
  // fields from it, so give them an empty form rather than a TypeError (multer replaces it).
  req.body ??= {};
  next();
}

/** Busboy's complaints about a malformed multipart body (a NUL in a part header, a truncated form). */
export function isMalformedMultipart(err: unknown): boolean {
  return (
    err instanceof Error && !('code' in err) && /^(Malformed|Unexpected end of (form|file)|Multipart: |Missing boundary)/.test(err.message)
  );
}

function isCleanValue(v: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (typeof v === 'string') return isCleanText(v, true);
  if (Array.isArray(v)) return v.every((x) => isCleanValue(x, depth + 1));
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (!isCleanText(k, false) || !isCleanValue(x, depth + 1)) return false;
  }
  return true;
}

/** For multipart forms (parsed later, by multer): fields and file names, once the upload middleware ran. */
export function checkMultipart(req: Request): AppError | null {
  if (req.body !== undefined && !isCleanValue(req.body, 0)) return invalidInput();
  const files = Array.isArray(req.files) ? req.files : req.files ? Object.values(req.files).flat() : [];
  for (const f of files) if (!isCleanText(f.originalname, false)) return invalidInput();
  return null;
}
