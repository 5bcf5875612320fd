import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.ts';
import { consentViewHelpers } from './view-helpers.ts';

/**
 * Middleware for the admin home page: librarians and admins see the consents ending within
 * 30 days (views/consent/dashboard-panel.ejs), so they can ask for a renewal in time.
 */
export function consentDashboardPanel(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    // The role in the library of the address (a city admin is admin everywhere), and that library's consents.
    if (req.staffRole === 'admin' || req.staffRole === 'librarian') {
      res.locals.consentExpiring = { items: await ctx.services.consent.expiringSoon(req.library.id), today: ctx.services.consent.today() };
      consentViewHelpers(req, res, next);
      return;
    }
    next();
  };
}
