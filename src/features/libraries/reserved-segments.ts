/**
 * Top-level path segments the site itself uses (global pages and every library's own pages). A
 * library slug may not be one of them, or `/{slug}/…` would shadow a page, or a page the library.
 * The route test (tests/integration/libraries/addresses.test.ts) checks every registered route's first
 * segment is listed here, so a new top-level page cannot be forgotten.
 */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set([
  // global: not per library
  'static',
  'q',
  'healthz',
  'readyz',
  'setup',
  'dang-nhap',
  'dang-xuat',
  'dat-mat-khau',
  'thanh-pho',
  'api',
  // every library's own pages (at `/` for the default library)
  'admin',
  'sach',
  'the-loai',
  'tac-gia',
  'tim-kiem',
  'doc',
  'opds',
  'de-xuat-sach',
  'ngon-ngu',
  'ngoai-tuyen',
  'logo',
  'sitemap.xml',
  'robots.txt',
  'manifest.webmanifest',
  'sw.js',
  'favicon.ico',
]);

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** True when `segment` could name a library (right shape, not a page of the site): only then is it looked up. */
export function couldBeLibrarySlug(segment: string): boolean {
  return SLUG_PATTERN.test(segment) && !RESERVED_SEGMENTS.has(segment);
}
