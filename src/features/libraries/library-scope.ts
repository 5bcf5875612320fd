import type { Router } from 'express';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import type { OwnedEntity } from './libraries.repository.ts';

/**
 * Makes every route of `router` that names `:param` answer 404 unless that row belongs to the
 * library in the address: an admin of ward B cannot reach ward A's book, location, category,
 * rights holder, consent, evidence file, import or staff member by typing its id under /{b}/admin.
 * Runs after the router's role guard (router.use), so people without a role still get 401/403.
 * A value that is not an id is left to the route's own validation.
 */
export function scopeParam(ctx: AppContext, router: Router, param: string, entity: OwnedEntity): void {
  router.param(param, async (req, _res, next, value: unknown) => {
    const id = typeof value === 'string' && /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : null;
    if (id === null) return next();
    if (await ctx.repos.libraries.owns(entity, id, req.library.id)) return next();
    next(notFound());
  });
}
