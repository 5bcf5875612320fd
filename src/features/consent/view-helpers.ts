import type { NextFunction, Request, Response } from 'express';
import type { Translate } from '../../http/i18n/index.ts';
import { daysBetween, formatDate, formatDateTime } from '../../infra/calendar.ts';
import type { RightsStatement } from './rights-statement.service.ts';

/** Formatting helpers for the consent views (dates as people in Vietnam write them). */
export function consentViewHelpers(_req: Request, res: Response, next: NextFunction): void {
  res.locals.fmtDate = formatDate;
  res.locals.fmtTime = formatDateTime;
  res.locals.daysBetween = daysBetween;
  res.locals.fmtBytes = (n: number) =>
    n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
  next();
}

/** A book's rights statement as the sentence under it on the public book page. */
export function rightsStatementText(statement: RightsStatement, t: Translate): string {
  if (statement.kind === 'public_domain') return t('consent.statement.publicDomain');
  if (statement.kind === 'open_licence') return t('consent.statement.openLicence', { licence: statement.licenceName ?? '' });
  return t('consent.statement.consent');
}
