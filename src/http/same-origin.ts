import type { Request } from 'express';

/**
 * Whether a request came from one of our own pages. Browsers say so in `Sec-Fetch-Site`; older
 * ones only send `Origin` (always on a cross-site POST). A request with neither comes from a
 * browser too old to tell, or from a script, which no header check can stop: let it through, and
 * bound what it can do elsewhere.
 */
export function isSameOrigin(req: Request, publicBaseUrl: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = req.headers.origin;
  if (typeof origin !== 'string') return true;
  const allowed = new Set([new URL(publicBaseUrl).origin, `${req.protocol}://${req.get('host') ?? ''}`]);
  return allowed.has(origin);
}
