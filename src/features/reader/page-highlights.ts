import type { WordBox } from '../../pdf/pdf-engine.ts';
import { detectLegacyEncoding } from '../../pdf/legacy-encoding.ts';
import { isVietnameseSyllable } from '../../pdf/vietnamese-syllable.ts';
import { fold, queryTerms } from '../public/text.ts';

/**
 * The words of a page picture that a search matches, as boxes to draw over the picture.
 * Same rule as search highlighting elsewhere: whole syllables, case and diacritics folded
 * (đ → d), so "an" marks "An" and "ân" but never the "an" inside "bạn" or "toán".
 */
export function highlightBoxes(words: readonly WordBox[], query: string): WordBox[] {
  const terms = new Set(queryTerms(query));
  if (terms.size === 0) return [];
  return words.filter((w) => syllablesOf(w.t).some((s) => terms.has(s)));
}

/** A printed word split into folded syllables: "Nguyễn-Du," → ["nguyen", "du"]. */
function syllablesOf(word: string): string[] {
  return fold(word.normalize('NFC'))
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/**
 * Whether a page's extracted text is worth showing as text. Scanned pages have none; pages in an
 * old font encoding that could not be converted come out as symbols and broken syllables
 * ("v 2 2q 2. 2 2 '2 #"). Either way the reader is better served by the page's picture.
 */
export function isUsableText(text: string): boolean {
  const visible = text.replace(/\s+/g, '');
  if (!/[\p{L}\p{N}]/u.test(visible)) return false;
  if (visible.length >= 12) {
    const letters = visible.match(/\p{L}/gu)?.length ?? 0;
    if (letters / visible.length < 0.5) return false;
  }
  // Old-font text that stayed unconverted (the catalogue stores converted text when it can).
  if (detectLegacyEncoding(text).encoding !== null) return false;
  const tokens = text.split(/\s+/).map((t) => t.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''));
  const wordish = tokens.filter((t) => /^\p{L}+$/u.test(t));
  if (tokens.filter(Boolean).length >= 6) {
    const good = wordish.filter((t) => isVietnameseSyllable(t.toLowerCase()) || /^[a-z]{2,}$/i.test(t)).length;
    if (good / tokens.filter(Boolean).length < 0.4) return false;
  }
  return true;
}
