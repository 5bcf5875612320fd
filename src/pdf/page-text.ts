/**
 * Turning pdf.js text items into the plain text we index and show. pdf.js already inserts spaces
 * where glyphs are far apart and flags the last item of each line with hasEOL; we only join,
 * then tidy whitespace so that search snippets and page text look like prose.
 */

/** Joins getTextContent() items: marked-content markers (no `str`) are skipped, hasEOL becomes "\n". */
export function joinTextItems(items: readonly unknown[]): string {
  let text = '';
  for (const item of items) {
    if (typeof item !== 'object' || item === null || !('str' in item) || typeof item.str !== 'string') continue;
    text += item.str;
    if ('hasEOL' in item && item.hasEOL === true) text += '\n';
  }
  return text;
}

// Zero-width characters and the soft hyphen: invisible in print, but they split words for search.
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
// Control characters (not \n or \t) and private-use code points: junk from fonts without a usable encoding.
const JUNK = /(?![\t\n\r])\p{Cc}|[\uE000-\uF8FF\uFFFD]/gu;
const HORIZONTAL_SPACE = /[ \t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;

/** NFC, one kind of space, no blank-line runs, no leading/trailing space on lines. */
export function normalisePageText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(JUNK, ' ')
    .replace(HORIZONTAL_SPACE, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A page "has text" when it has at least one letter or digit; punctuation alone is scanner dust. */
export function hasReadableText(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
