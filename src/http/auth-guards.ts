import type { NextFunction, Request, Response } from 'express';
import type { Role, User } from '../db/schema/users.ts';
import type { AppContext } from '../context.ts';
import { forbidden, unauthorized } from './errors.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: User;
    }
  }
}

/** Loads the signed-in user on every request, so a disabled account or a role change applies at once. */
export function loadCurrentUser(ctx: AppContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const id = req.session?.userId;
    if (id) {
      const user = await ctx.services.users.findById(id);
      if (user && !user.disabled_at) req.user = user;
      else delete req.session.userId;
    }
    next();
  };
}

/**
 * Lets only signed-in users with one of `roles` through. Anonymous people are sent to sign in
 * (HTML) or get 401 (JSON); a signed-in user with another role gets 403.
 */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(unauthorized());
    if (!roles.includes(req.user.role)) return next(forbidden());
    next();
  };
}

export const requireSignedIn = requireRole('admin', 'librarian', 'leader');

/**
 * For routes mounted before the session (health checks): runs the session and user loading for
 * this request only, and answers whether a signed-in staff member asked. Any failure (database
 * down, a bad cookie) means "no": the caller then shows only what anyone may see.
 */
export function staffProbe(session: (req: Request, res: Response, next: (err?: unknown) => void) => void, ctx: AppContext) {
  const currentUser = loadCurrentUser(ctx);
  return (req: Request, res: Response): Promise<boolean> =>
    new Promise((resolve) => {
      try {
        session(req, res, (err) => {
          if (err || !req.session?.userId) return resolve(false);
          currentUser(req, res, () => undefined).then(
            () => resolve(Boolean(req.user)),
            () => resolve(false),
          );
        });
      } catch {
        resolve(false);
      }
    });
}
