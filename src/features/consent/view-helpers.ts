import type { NextFunction, Request, Response } from 'express';
import { daysBetween, formatDate, formatDateTime } from '../../infra/calendar.ts';

/** Formatting helpers for the consent views (dates as people in Vietnam write them). */
export function consentViewHelpers(_req: Request, res: Response, next: NextFunction): void {
  res.locals.fmtDate = formatDate;
  res.locals.fmtTime = formatDateTime;
  res.locals.daysBetween = daysBetween;
  res.locals.fmtBytes = (n: number) =>
    n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
  next();
}
