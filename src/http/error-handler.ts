import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../infra/logger.ts';
import { AppError } from './errors.ts';
import { translator } from './i18n/index.ts';

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

/** The single error handler: JSON for API clients, a translated page (or the form again) for people. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const appError = toAppError(err);
    if (!appError) {
      log.error({ err, reqId: req.id }, 'unhandled error');
    } else if (appError.status >= 500) {
      log.warn({ err: appError.cause ?? appError, reqId: req.id, code: appError.code }, 'request failed');
    }
    const e = appError ?? new AppError(500, 'internal', 'error.internal');
    const t = translator(req.lang ?? 'vi');
    const message = t(e.messageKey, e.params);
    for (const [name, value] of Object.entries(e.page.headers ?? {})) res.setHeader(name, value);
    if (wantsJson(req)) {
      res
        .status(e.status)
        .json({ error: { code: e.code, message, fields: Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, t(v)])) } });
      return;
    }
    if (e.code === 'unauthorized') {
      res.redirect(303, `/dang-nhap?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    res.status(e.status);
    if (req.formView && (e.status === 400 || e.status === 401 || e.status === 403 || e.status === 409 || e.status === 429)) {
      const values = Object.fromEntries(
        Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([k]) => !SECRET_FIELDS.test(k)),
      );
      res.render(req.formView, { errors: e.fields, formError: message, values });
      return;
    }
    res.render(e.page.view ?? 'errors/error', { ...e.params, status: e.status, message });
  };
}

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; status?: number; type?: string };
  if (e?.code === 'EBADCSRFTOKEN' || (e?.status === 403 && /csrf/i.test(String((err as Error).message)))) {
    return new AppError(403, 'csrf', 'error.csrf');
  }
  if (e?.type === 'entity.too.large') return new AppError(413, 'too_large', 'error.invalid');
  if (e?.type === 'entity.parse.failed') return new AppError(400, 'bad_request', 'error.invalid');
  return null;
}
