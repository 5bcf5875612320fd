import { cookieValue } from '../../http/edge-hygiene.ts';
import type { Origin } from './events.ts';

/**
 * The first-party visit cookie. It holds no personal data: only where this browsing session came
 * from (an active location's public poster code, "direct", or "a deactivated place's QR") and when the session was last
 * refreshed, in minutes. No identifier: two people who scanned the same poster carry the same value.
 * A session ends after SESSION_MINUTES without a page view; the next page view is a new visit.
 */
export const VISIT_COOKIE = 'tvs.visit';
export const SESSION_MINUTES = 30;
/** Refresh the cookie at most this often, so most responses carry no Set-Cookie header. */
export const REFRESH_MINUTES = 5;

export interface VisitCookie {
  origin: Origin;
  code: string | null;
  /** Minutes since the epoch when the cookie was last set. */
  refreshedAt: number;
}

const ORIGIN_TAG: Record<Origin, string> = { qr: 'q', direct: 'd', inactive: 'i' };
const TAG_ORIGIN: Record<string, Origin> = { q: 'qr', d: 'direct', i: 'inactive' };

export function encodeVisitCookie(v: VisitCookie): string {
  // Only an active location's code is kept: a deactivated place's visitors are attributed to none.
  return `${ORIGIN_TAG[v.origin]}.${v.origin === 'qr' ? (v.code ?? '') : ''}.${v.refreshedAt.toString(36)}`;
}

/** Parses the cookie; anything malformed is treated as no session. */
export function readVisitCookie(header: string | undefined): VisitCookie | null {
  const raw = parseCookieSafe(header);
  if (!raw) return null;
  const m = /^([qdi])\.([a-z0-9]{0,16})\.([0-9a-z]{1,10})$/.exec(raw);
  if (!m) return null;
  const origin = TAG_ORIGIN[m[1]];
  const code = m[2] || null;
  if (origin === 'qr' && !code) return null;
  const refreshedAt = parseInt(m[3], 36);
  return Number.isFinite(refreshedAt) ? { origin, code: origin === 'qr' ? code : null, refreshedAt } : null;
}

function parseCookieSafe(header: string | undefined): string | undefined {
  return cookieValue(header, VISIT_COOKIE); // a malformed %-escape stays raw, and fails the pattern
}

export const minutesOf = (d: Date) => Math.floor(d.getTime() / 60_000);

/** Whether a session whose cookie was refreshed at `refreshedAt` is still running at `now`. */
export function sessionAlive(v: VisitCookie, now: Date): boolean {
  const age = minutesOf(now) - v.refreshedAt;
  return age >= 0 && age < SESSION_MINUTES;
}
