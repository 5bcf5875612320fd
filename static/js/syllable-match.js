// Browser twin of src/features/search/syllable-match.ts (the one highlighting rule): a query word
// marks whole syllables only, ignoring case and diacritics ("an" marks "ăn", never "bạn").
// tests/unit/search/syllable-match.test.ts runs the same cases against both copies.
const SYLLABLE = /[\p{L}\p{M}\p{N}]+/gu;

export function foldSyllable(s) {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();
}

export function queryTerms(query) {
  const out = new Set();
  for (const m of (query ?? '').matchAll(SYLLABLE)) {
    const term = foldSyllable(m[0]);
    if (term.length >= 2) out.add(term);
    if (out.size === 12) break;
  }
  return [...out];
}

export function highlightSyllables(text, terms) {
  if (!text) return [];
  if (!terms.length) return [{ text, mark: false }];
  const wanted = new Set(terms);
  const out = [];
  const push = (s, mark) => {
    if (!s) return;
    const last = out[out.length - 1];
    if (last && last.mark === mark) last.text += s;
    else out.push({ text: s, mark });
  };
  let at = 0;
  for (const m of text.matchAll(SYLLABLE)) {
    if (!wanted.has(foldSyllable(m[0]))) continue;
    push(text.slice(at, m.index), false);
    push(m[0], true);
    at = m.index + m[0].length;
  }
  push(text.slice(at), false);
  return out;
}
