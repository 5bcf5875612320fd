/** Text helpers shared by the public pages: slugs, accent folding and safe highlighting. */

import type { Segment } from '../search/syllable-match.ts';
export type { Segment };

/** Lower case without Vietnamese diacritics ("Đường" → "duong"); keeps one char per input char. */
export function foldChar(c: string): string {
  if (c === 'đ' || c === 'Đ') return 'd';
  return c
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function fold(text: string): string {
  return Array.from(text, foldChar).join('');
}

export function slugify(text: string): string {
  return fold(text)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

// Highlighting follows the one whole-syllable rule (search/syllable-match.ts), shared with the readers.
export { highlightSyllables as highlightTerms, queryTerms } from '../search/syllable-match.ts';

/** Private-use characters as Meilisearch highlight tags: they cannot collide with HTML escaping. */
export const HL_PRE = '\uE000';
export const HL_POST = '\uE001';

/** Meilisearch's highlighted text (raw, unescaped) → segments; stray tags are dropped. */
export function markedSegments(raw: string): Segment[] {
  const out: Segment[] = [];
  const re = new RegExp(`${HL_PRE}([^${HL_PRE}${HL_POST}]*)${HL_POST}`, 'g');
  const clean = (s: string) => s.replace(/[\uE000\uE001]/g, '');
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    if (m.index > last) out.push({ text: clean(raw.slice(last, m.index)), mark: false });
    if (m[1]) out.push({ text: m[1], mark: true });
    last = m.index + m[0].length;
  }
  if (last < raw.length) out.push({ text: clean(raw.slice(last)), mark: false });
  return out.filter((s) => s.text);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Escaped HTML with only <mark> elements, for JSON clients. */
export function segmentsToHtml(segments: Segment[]): string {
  return segments.map((s) => (s.mark ? `<mark>${escapeHtml(s.text)}</mark>` : escapeHtml(s.text))).join('');
}

export const plain = (segments: Segment[]) => segments.map((s) => s.text).join('');
