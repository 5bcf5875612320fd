import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.ts';
import { consentViewHelpers } from './view-helpers.ts';

/**
 * Middleware for the admin home page: librarians and admins see the consents ending within
 * 30 days (views/consent/dashboard-panel.ejs), so they can ask for a renewal in time.
 */
export function consentDashboardPanel(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.user?.role === 'admin' || req.user?.role === 'librarian') {
      res.locals.consentExpiring = { items: await ctx.services.consent.expiringSoon(), today: ctx.services.consent.today() };
      consentViewHelpers(req, res, next);
      return;
    }
    next();
  };
}
