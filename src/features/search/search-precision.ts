import type { SearchParams as MeiliSearchParams } from 'meilisearch';

/**
 * How strict search is, in one place, tuned on the labelled queries of `npm run eval:search`
 * (scripts/eval-search.ts) — never on particular books.
 *
 * Books: every significant word of the query must match (typos allowed) somewhere in the title,
 * authors, categories, tags or description. With Meilisearch's default ("last") a book matching one
 * common syllable was listed (`dac nhan tam` → any book with "tâm"), which both buried the right
 * book under unrelated ones and hid from leaders which absent books readers look for. The books'
 * ranking-score floor (0.2) only guards against matches made of typos and prefixes; the README's
 * figures were measured with it.
 *
 * Passages: every word must occur on the page AND close together, in order. The pages index ranks
 * by proximity right after words (search-settings.ts), so the global ranking score is mostly the
 * proximity score: about 1 when the words are adjacent and in order, and each pair of query words
 * one word apart (or swapped) costs about 1/3 of that pair's share; words far apart cost all of it.
 * Measured: an exact phrase scores ≈ 0.99, one gap in three words ≈ 0.83, syllables scattered
 * over a page ("vấn đề … bất kỳ" for `de men phieu luu ky`) ≈ 0.3. Punctuation is taken out of
 * the searchable page text (search-documents.ts) so a comma inside a phrase does not break it.
 */
export const BOOK_MATCH = { matchingStrategy: 'all', rankingScoreThreshold: 0.2 } satisfies Partial<MeiliSearchParams>;
export const PASSAGE_MATCH = { matchingStrategy: 'all', rankingScoreThreshold: 0.75 } satisfies Partial<MeiliSearchParams>;

/** 'ok' when there is something to search for; otherwise what the page tells the reader. */
export type QueryShape = 'ok' | 'too_short' | 'no_words';

/** Letters and digits in the query: emoji and punctuation alone are not a search. */
export function queryShape(q: string): QueryShape {
  const letters = (q.match(/[\p{L}\p{N}]/gu) ?? []).length;
  if (letters === 0) return 'no_words';
  return letters < 2 ? 'too_short' : 'ok';
}

/**
 * The key under which searches and suggestions are grouped into one request: case, spacing,
 * punctuation and diacritics folded ("Đắc Nhân  Tâm!" and "dac nhan tam" are one request).
 */
export function requestKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .slice(0, 200);
}
