/**
 * The one highlighting rule, for search snippets, text mode and the readers (static/js/syllable-match.js
 * is its browser twin; tests/unit/search/syllable-match.test.ts runs the same cases against both).
 *
 * Vietnamese writes one syllable per space-separated word, so a query word marks whole syllables
 * only: "an" marks "ăn", "ân", "án", "An" but never the "an" inside "bạn", "thẳng" or "Danh".
 * Matching ignores case and diacritics (đ counts as d), as readers type on phones without accents.
 */

export interface Segment {
  text: string;
  mark: boolean;
}

/** A syllable: letters with their combining marks, or digits (NFC and NFD input alike). */
const SYLLABLE = /[\p{L}\p{M}\p{N}]+/gu;

/** Lower case without diacritics; đ/Đ → d (Unicode decomposition alone keeps đ). */
export function foldSyllable(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

/** The folded syllables of a query worth marking (two characters or more; at most 12). */
export function queryTerms(query: string): string[] {
  const out = new Set<string>();
  for (const m of (query ?? '').matchAll(SYLLABLE)) {
    const term = foldSyllable(m[0]);
    if (term.length >= 2) out.add(term);
    if (out.size === 12) break;
  }
  return [...out];
}

/** Splits text into segments, marking every whole syllable that equals a (folded) query term. */
export function highlightSyllables(text: string, terms: readonly string[]): Segment[] {
  if (!text) return [];
  if (!terms.length) return [{ text, mark: false }];
  const wanted = new Set(terms);
  const out: Segment[] = [];
  const push = (s: string, mark: boolean) => {
    if (!s) return;
    const last = out[out.length - 1];
    if (last && last.mark === mark) last.text += s;
    else out.push({ text: s, mark });
  };
  let at = 0;
  for (const m of text.matchAll(SYLLABLE)) {
    const hit = wanted.has(foldSyllable(m[0]));
    if (!hit) continue;
    push(text.slice(at, m.index), false);
    push(m[0], true);
    at = m.index + m[0].length;
  }
  push(text.slice(at), false);
  return out;
}

/** The folded syllables of a text, in order (no length filter: one-letter words count in a phrase). */
export function syllables(text: string): string[] {
  return Array.from(text.matchAll(SYLLABLE), (m) => foldSyllable(m[0]));
}

/** Whether the query's syllables occur in `text` one after another (accents, case, punctuation ignored). */
export function containsPhrase(text: string, query: string): boolean {
  const want = syllables(query);
  if (!want.length) return false;
  const have = syllables(text);
  outer: for (let i = 0; i + want.length <= have.length; i++) {
    for (let k = 0; k < want.length; k++) if (have[i + k] !== want[k]) continue outer;
    return true;
  }
  return false;
}
