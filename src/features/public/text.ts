/** Text helpers shared by the public pages: slugs, accent folding and safe highlighting. */

export interface Segment {
  text: string;
  mark: boolean;
}

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

/** Words worth highlighting in a query (accent-folded, at least two letters). */
export function queryTerms(query: string): string[] {
  const words = fold(query)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2);
  return [...new Set(words)].slice(0, 12);
}

/**
 * Splits text into marked/unmarked segments where any term occurs, ignoring case and accents,
 * so "truyen kieu" highlights "Truyện Kiều" in the original spelling.
 */
export function highlightTerms(text: string, terms: string[]): Segment[] {
  if (!terms.length || !text) return text ? [{ text, mark: false }] : [];
  const chars = Array.from(text);
  const folded = chars.map(foldChar);
  const flat = folded.join('');
  // Map positions in the folded string back to original characters (folding can change lengths).
  const owner: number[] = [];
  folded.forEach((f, i) => {
    for (let k = 0; k < f.length; k++) owner.push(i);
  });
  const marked = new Array<boolean>(chars.length).fill(false);
  for (const term of terms) {
    let from = 0;
    for (let at = flat.indexOf(term, from); at !== -1; at = flat.indexOf(term, from)) {
      for (let p = at; p < at + term.length; p++) marked[owner[p]] = true;
      from = at + term.length;
    }
  }
  const out: Segment[] = [];
  chars.forEach((c, i) => {
    const last = out[out.length - 1];
    if (last && last.mark === marked[i]) last.text += c;
    else out.push({ text: c, mark: marked[i] });
  });
  return out;
}

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
