import type { Request } from 'express';

/**
 * The place whose QR code started this visitor's session — for the home page's welcome
 * ("Chào bạn đến từ …"). Read from the first-party visit cookie by the visit-tracking middleware,
 * which runs before every reader page; null for direct visits, deactivated places and staff.
 */
export function currentLocation(req: Request): { code: string; name: string } | null {
  return req.visitLocation ?? null;
}
