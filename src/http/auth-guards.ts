import type { NextFunction, Request, Response } from 'express';
import type { CityRole, Role, User } from '../db/schema/users.ts';
import type { AppContext } from '../context.ts';
import { forbidden, unauthorized } from './errors.ts';

/** The signed-in account with what it may do: its city-wide role and its role in each library it serves. */
export type SignedInUser = User & { cityRole: CityRole | null; memberships: ReadonlyMap<number, Role> };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: SignedInUser;
      /** The signed-in user's role in req.library (city roles included), or null. */
      staffRole?: Role | null;
    }
  }
}

/**
 * A user's role in one library: a city admin is admin of every library, a city leader at least a
 * leader of every library; everyone else has the role of their library_staff membership, if any.
 */
export function roleIn(user: SignedInUser, libraryId: number): Role | null {
  if (user.cityRole === 'city_admin') return 'admin';
  const own = user.memberships.get(libraryId);
  if (own) return own;
  return user.cityRole === 'city_leader' ? 'leader' : null;
}

/** Loads the signed-in user on every request, so a disabled account or a role change applies at once. */
export function loadCurrentUser(ctx: AppContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const id = req.session?.userId;
    if (id) {
      const user = await ctx.services.users.findSignedIn(id);
      if (user && !user.disabled_at) {
        req.user = user;
        // req.library is resolved before the session for addressed requests; health probes have none.
        req.staffRole = req.library ? roleIn(user, req.library.id) : null;
      } else delete req.session.userId;
    }
    next();
  };
}

/**
 * Lets only signed-in users with one of `roles` IN THE LIBRARY OF THE ADDRESS through. Anonymous
 * people are sent to sign in (HTML) or get 401 (JSON); a signed-in user with another role there,
 * or none (staff of another library), gets 403.
 */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(unauthorized());
    const role = roleIn(req.user, req.library.id);
    if (!role || !roles.includes(role)) return next(forbidden());
    next();
  };
}

export const requireSignedIn = requireRole('admin', 'librarian', 'leader');

/** City-wide pages (/thanh-pho): only accounts with one of the city roles. */
export function requireCityRole(...roles: CityRole[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(unauthorized());
    if (!req.user.cityRole || !roles.includes(req.user.cityRole)) return next(forbidden());
    next();
  };
}

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
