import { notFound } from '../../http/errors.ts';

/**
 * Parses a public book address's id: "12" or "12-truyen-kieu" (the slug is decoration for people
 * and link previews). Whether the public may see that book is PublicSiteService.publicBook's call.
 */
export function bookIdFrom(param: unknown): number {
  const m = typeof param === 'string' ? /^(\d{1,12})(?:-[a-z0-9-]*)?$/.exec(param) : null;
  if (!m) throw notFound();
  return Number(m[1]);
}
