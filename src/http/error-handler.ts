import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../infra/logger.ts';
import { AppError } from './errors.ts';
import { databaseUnavailable, diskFull, isDatabaseUnavailable, isDiskFull } from './fault-errors.ts';
import { isLang, translator, type Lang } from './i18n/index.ts';
import { fieldErrorsOf } from './validation.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `formView()`: the view to re-render with field errors when the handler rejects input. */
      formView?: string;
    }
  }
}

/** Marks a route's form view, so a validation error re-renders the form instead of an error page. */
export const formView = (view: string) => (req: Request, _res: Response, next: NextFunction) => {
  req.formView = view;
  next();
};

export function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
}

const SECRET_FIELDS = /password|_csrf/i;

/**
 * The single error handler: JSON for API clients, a translated page (or the form again) for people.
 * Whatever the mode, the public never sees a stack trace or an internal message: those are logged.
 * If the error page itself cannot be rendered (a broken view, a missing local), a last-resort
 * static page is sent, so Express's default handler (which prints stacks outside production) is never reached.
 */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    let e: AppError;
    try {
      const appError = toAppError(err);
      if (!appError) log.error({ err, reqId: req.id }, 'unhandled error');
      else if (appError.status >= 500) log.warn({ err: appError.cause ?? appError, reqId: req.id, code: appError.code }, 'request failed');
      e = appError ?? new AppError(500, 'internal', 'error.internal');
    } catch {
      e = new AppError(500, 'internal', 'error.internal');
    }
    try {
      respond(e, req, res, (renderErr) => {
        log.error({ err: renderErr, reqId: req.id }, 'error page could not be rendered');
        lastResort(res, e.status);
      });
    } catch (respondErr) {
      log.error({ err: respondErr, reqId: req.id }, 'error response failed');
      lastResort(res, e.status);
    }
  };
}

function respond(e: AppError, req: Request, res: Response, onRenderError: (err: unknown) => void): void {
  const lang: Lang = isLang(req.lang) ? req.lang : 'vi';
  const t = translator(lang);
  const message = t(e.messageKey, e.params);
  for (const [name, value] of Object.entries(e.page.headers ?? {})) res.setHeader(name, value);
  if (wantsJson(req)) {
    const fields = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, t(v)]));
    res.status(e.status).json({ error: { code: e.code, message, fields } });
    return;
  }
  if (e.code === 'unauthorized') {
    res.redirect(303, `/dang-nhap?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  res.status(e.status);
  // The error may come from before viewLocals ran (edge checks, body parsing) or from viewLocals
  // itself: give the layout everything it reads, without touching the session or the database.
  const locals = {
    lang,
    t,
    user: res.locals.user ?? null,
    currentPath: safePath(req),
    csrfToken: typeof res.locals.csrfToken === 'function' ? res.locals.csrfToken : () => '',
    flash: null,
    errors: {},
    values: {},
  };
  const done = (err: Error | null, html?: string) => (err ? onRenderError(err) : res.send(html));
  if (req.formView && [400, 401, 403, 409, 429].includes(e.status)) {
    const values = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([k]) => !SECRET_FIELDS.test(k)));
    res.render(req.formView, { ...locals, errors: e.fields, formError: message, values }, done);
    return;
  }
  res.render(e.page.view ?? 'errors/error', { ...locals, ...e.params, status: e.status, message }, done);
}

/** Plain, static HTML in both languages: depends on nothing that could have failed. */
function lastResort(res: Response, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const s = Number.isInteger(status) && status >= 400 && status < 600 ? status : 500;
  res.status(s).set('Content-Type', 'text/html; charset=utf-8').set('Cache-Control', 'no-store');
  res.send(
    `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>Thư viện số</title></head><body><h1>Có lỗi xảy ra (${s})</h1>` +
      `<p>Máy chủ chưa trả lời được yêu cầu này. Vui lòng thử lại sau ít phút.</p>` +
      `<p lang="en">Something went wrong. Please try again in a few minutes.</p><p><a href="/">Về trang chủ</a></p></body></html>`,
  );
}

/** The path for the language switch link; the query is dropped (it may be what was rejected). */
function safePath(req: Request): string {
  const p = req.originalUrl.split('?')[0];
  return /^\/[^\s\\]*$/.test(p) && !p.startsWith('//') ? p : '/';
}

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError(400, 'invalid', 'error.invalid', {}, fieldErrorsOf(err));
  const e = err as { code?: string; status?: number; statusCode?: number; type?: string; expose?: boolean };
  if (e?.code === 'EBADCSRFTOKEN' || (e?.status === 403 && /csrf/i.test(String((err as Error).message)))) {
    return new AppError(403, 'csrf', 'error.csrf');
  }
  if (e?.type === 'entity.too.large') return new AppError(413, 'too_large', 'error.invalid');
  if (e?.type === 'entity.parse.failed' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError(400, 'bad_request', 'error.invalid');
  if (isDiskFull(err)) return diskFull(err);
  if (isDatabaseUnavailable(err)) return databaseUnavailable(err);
  // Other client errors raised by Express itself or its parsers (a path parameter that is not valid
  // percent-encoding, an unsupported media type…): their status is right, their text is not for people.
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && e?.expose !== false)
    return new AppError(status, 'bad_request', status === 404 ? 'error.notFound' : 'error.invalid');
  return null;
}
