import { Router } from 'express';
import type { Role } from '../db/schema/users.ts';
import { requireRole } from './auth-guards.ts';

/** Every admin router and the roles it admits; the route-guard test walks this list. */
export interface GuardedRouter {
  mountPath: string;
  roles: Role[];
  router: Router;
}

export const ADMIN_PREFIX = '/admin';

/**
 * Creates a router mounted under /admin whose every route requires one of `roles`.
 * Guarding the router (not each route) means a route added later cannot forget its check.
 */
export function guardedRouter(registry: GuardedRouter[], subPath: string, roles: Role[]): Router {
  const router = Router();
  router.use(requireRole(...roles));
  registry.push({ mountPath: `${ADMIN_PREFIX}${subPath}`, roles, router });
  return router;
}
