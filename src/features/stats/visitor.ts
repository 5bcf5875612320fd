import crypto from 'node:crypto';
import { isbot } from 'isbot';
import { stripInvalidText } from '../../http/edge-hygiene.ts';
import type { Device } from './events.ts';

/**
 * Plausible-style unique visitors: hash(daily secret salt + IP + user agent). The salt is random,
 * kept only while its day lasts and then deleted, so once a day is over nobody (us included) can
 * recompute a hash from an IP address. 16 bytes are plenty to keep collisions negligible.
 */
export function visitorHash(salt: Buffer, ip: string, userAgent: string): Buffer {
  return crypto.createHash('sha256').update(salt).update(ip).update('\n').update(userAgent).digest().subarray(0, 16);
}

/**
 * A coarse device class: enough to know whether readers use phones, nothing that identifies one.
 *
 * In-app browsers (Zalo, Facebook, Messenger) append their own tokens after the system browser's
 * UA — "… Mobile Safari/537.36 Zalo android/…", "[FB_IAB/Orca-Android;…]" — so a test for
 * "Android not followed by Mobile" found the *second* "android" and called every Zalo phone a
 * tablet. Chrome's rule is about the whole string: an Android UA with "Mobile" anywhere is a
 * phone, without it a tablet. Facebook's own FBID/phone|tablet token is trusted when present.
 *
 * Known limit: iPadOS Safari in its default "desktop website" mode sends a Mac UA
 * ("Macintosh; Intel Mac OS X 10_15_7 … Safari") that a server cannot tell apart from a Mac; it
 * counts as a computer. In-app browsers on an iPad still name the iPad (FBDV/iPad…, "iPad;").
 */
export function deviceClass(userAgent: string | null | undefined): Device {
  const ua = userAgent ?? '';
  const fbid = /FBID\/(phone|tablet)/i.exec(ua)?.[1]?.toLowerCase();
  if (fbid === 'phone' || fbid === 'tablet') return fbid;
  if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua)) return 'tablet';
  if (/iPhone|iPod|Windows Phone|Mobi/i.test(ua)) return 'phone';
  if (/Android/i.test(ua)) return 'tablet';
  if (/Zalo/i.test(ua)) return 'phone';
  return 'desktop';
}

/**
 * Search text as counted: trimmed, lower-cased, spaces collapsed, Unicode NFC (Vietnamese typed on
 * different keyboards arrives in composed or decomposed form), capped so a pasted essay is one row.
 */
export function normaliseQuery(query: string): string {
  // NUL or a lone surrogate would make PostgreSQL refuse the whole batch: drop them here too.
  return stripInvalidText(query).normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/g, ' ').trim().slice(0, 200);
}

const botCache = new Map<string, boolean>();

/**
 * isbot() with a small cache: its pattern is long, and the same few hundred user agents (one per
 * phone model and browser version) come back all day. Missing user agent = a script, not a person.
 */
export function isBot(userAgent: string | null | undefined): boolean {
  if (!userAgent) return true;
  let hit = botCache.get(userAgent);
  if (hit === undefined) {
    hit = isbot(userAgent);
    if (botCache.size >= 2000) botCache.clear();
    botCache.set(userAgent, hit);
  }
  return hit;
}
