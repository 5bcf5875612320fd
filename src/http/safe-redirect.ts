/**
 * The one check for return addresses taken from a request (`?next=`, a form's `next` field):
 * only a path on this site, never another host. Browsers are lenient in ways that turn innocent-
 * looking paths into other hosts — `/\evil.example` and `/\t/evil.example` both lead to
 * evil.example — so anything with a backslash or a control character is refused outright, and the
 * rest is resolved the way a browser would and must stay on our origin.
 */
const BASE = 'http://return-address.invalid';
const MAX_LENGTH = 2000;

export function safeReturnPath(value: unknown, fallback: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return fallback;
  if (!value.startsWith('/') || value.startsWith('//')) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  // An address decoded once more on its way (a proxy, a later redirect) must still be a local path.
  if (!stillLocalWhenDecoded(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

function stillLocalWhenDecoded(value: string): boolean {
  let current = value;
  for (let i = 0; i < 3; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return false; // malformed escapes: not something we produced
    }
    if (decoded === current) return true;
    // eslint-disable-next-line no-control-regex
    if (/^\/[/\\]|[\\\u0000-\u001f\u007f]/.test(decoded)) return false;
    current = decoded;
  }
  return true;
}
