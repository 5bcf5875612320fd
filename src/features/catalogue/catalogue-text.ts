/**
 * Small pure helpers for catalogue text: slugs, lists typed by people, ISBNs, titles derived
 * from file names, and clean-up of PDF metadata. Pure so they are unit-tested on their own.
 */

/** Removes Vietnamese (and other Latin) diacritics; đ/Đ are letters of their own, not d + mark, so map them. */
export function foldDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D');
}

/** `Tư tưởng Hồ Chí Minh` → `tu-tuong-ho-chi-minh` (ASCII, for URLs). */
export function slugify(text: string, maxLength = 80): string {
  const slug = foldDiacritics(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug || 'muc';
}

/** Splits "Nguyễn Du; Tô Hoài" (or one per line) into trimmed, de-duplicated names. */
export function splitList(text: string | undefined | null, separators: RegExp = /[;\n\r]+/): string[] {
  if (!text) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(separators)) {
    const item = raw.replace(/\s+/g, ' ').trim();
    const key = item.toLocaleLowerCase('vi');
    if (item && !seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}

/** Tags may be separated by commas too. */
export const splitTags = (text: string | undefined | null) =>
  splitList(text, /[;,\n\r]+/)
    .map((t) => t.slice(0, 60))
    .slice(0, 30);

/**
 * Normalises an ISBN-10 or ISBN-13 (hyphens and spaces removed) and checks its check digit.
 * Returns null when the value is not a valid ISBN.
 */
export function normaliseIsbn(input: string): string | null {
  const s = input.replace(/[\s-]/g, '').toUpperCase();
  if (/^\d{9}[\dX]$/.test(s)) {
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += (s[i] === 'X' ? 10 : Number(s[i])) * (10 - i);
    return sum % 11 === 0 ? s : null;
  }
  if (/^\d{13}$/.test(s) && (s.startsWith('978') || s.startsWith('979'))) {
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += Number(s[i]) * (i % 2 === 0 ? 1 : 3);
    return sum % 10 === 0 ? s : null;
  }
  return null;
}

/** The draft's title before ingest reads the PDF: the file name, made readable. */
export function titleFromFileName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? name;
  let title = base.replace(/\.pdf$/i, '').replace(/_+/g, ' ');
  // "viet-su-toan-thu" is a slug: its hyphens are spaces. "Truyện Kiều - Nguyễn Du" keeps its dash.
  title = /\s/.test(title.trim()) ? title.replace(/\s*-\s*/g, ' - ') : title.replace(/-+/g, ' ');
  title = title
    .replace(/\s+/g, ' ')
    .replace(/^[\s-]+|[\s-]+$/g, '')
    .trim();
  return (title || 'Sách chưa đặt tên').slice(0, 300);
}

/** A safe display name for an uploaded file (no folders, no control characters). */
export function safeOriginalName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  return (
    base
      .replace(/\p{Cc}/gu, '') // C0, DEL and C1 control characters
      .normalize('NFC')
      .slice(0, 255) || 'tep.pdf'
  );
}

/** PDF metadata that is really a tool's placeholder, not a title or author. */
const JUNK_METADATA =
  /^(untitled|microsoft word|document\d*|tài liệu\d*|unknown|anonymous|user|admin|owner|none|null|[-_.\s\d]*)$|^microsoft word - |\.(docx?|pdf|indd|tex|dvi)$/i;

/** Cleans a metadata value from a PDF; returns null when it carries nothing useful. */
export function cleanMetadataValue(value: string | null | undefined, maxLength = 500): string | null {
  if (!value) return null;
  const v = value
    .normalize('NFC')
    .replace(/[\p{Cc}\ufffd]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!v || JUNK_METADATA.test(v)) return null;
  return v.slice(0, maxLength);
}

/** `vi-VN`, `vi_VN`, `VIE`, `Vietnamese` → `vi`; unknown → null. */
export function languageCode(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = value.trim().toLowerCase();
  if (/^(vi|vie|vietnamese|tiếng việt)([-_].*)?$/.test(v)) return 'vi';
  if (/^(en|eng|english)([-_].*)?$/.test(v)) return 'en';
  const m = /^([a-z]{2})([-_].*)?$/.exec(v);
  return m ? m[1] : null;
}

/** Authors in a PDF's Author field are often "A, B & C" or "A; B". */
export function splitAuthors(value: string | null | undefined): string[] {
  const clean = cleanMetadataValue(value, 300);
  if (!clean) return [];
  return splitList(clean, /\s*(?:;|&|\/|,| và | and )\s*/)
    .filter((a) => a.length > 1)
    .slice(0, 10);
}
