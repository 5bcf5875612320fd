import {
  COMPOSITE_LETTER,
  COMPOSITE_TONE,
  TCVN3_MAP,
  VNI_BREVE,
  VNI_CIRCUMFLEX,
  VNI_LETTER,
  VNI_TONE,
  type LegacyScheme,
} from './legacy-maps.ts';
import { isVietnameseSyllable, UNICODE_VIETNAMESE_LETTER } from './vietnamese-syllable.ts';

/**
 * Detecting and undoing mojibake from pre-Unicode Vietnamese fonts.
 *
 * Detection works word by word: a word is *evidence* for a scheme when it is not a Vietnamese
 * syllable as it stands but becomes one after conversion (`Vieät` → Việt). Real Unicode Vietnamese
 * is already valid, and English/French/German words rarely convert into valid syllables, so a page
 * needs many such words, and a sizeable share of its words, before it is flagged.
 *
 * Only that evidence makes a page "legacy". Control characters alone are not evidence: English
 * papers whose ligatures (ﬁ, ﬂ) come out as control codes have them too, and flagging those told
 * librarians a foreign book was "converted from a Vietnamese font" (issue 15). A page that is
 * mostly junk — control characters and scraps, no words — is reported as `undecodable` instead:
 * no table can fix it (Type 1 fonts with custom encodings and no ToUnicode, e.g. the corpus' yoga
 * book as read by pdf.js), but its rendering can be read by OCR.
 *
 * 'unknown-legacy' is the unidentified composite scheme (which we can convert, see legacy-maps.ts).
 */
export type LegacyEncoding = 'tcvn3' | 'vni' | 'unknown-legacy';

export interface LegacyDetection {
  encoding: LegacyEncoding | null;
  /** The table that converts this page, when there is one (null for unconvertible junk). */
  scheme: LegacyScheme | null;
  /** Words that convert into valid syllables, per scheme. */
  evidence: Record<LegacyScheme, number>;
  words: number;
  /** Words already written in Unicode Vietnamese (ư, ạ, đ …): a page can mix both. */
  unicodeWords: number;
  controlChars: number;
  /** Mostly control characters and scraps, no words: the text layer is unusable (a candidate for OCR). */
  undecodable: boolean;
}

const SCHEMES: readonly LegacyScheme[] = ['tcvn3', 'vni', 'composite'];
const PUBLIC_NAME: Record<LegacyScheme, LegacyEncoding> = { tcvn3: 'tcvn3', vni: 'vni', composite: 'unknown-legacy' };
const SCHEME_OF: Record<LegacyEncoding, LegacyScheme> = { tcvn3: 'tcvn3', vni: 'vni', 'unknown-legacy': 'composite' };

// Characters other than tab/newline that never belong in text: C0/C1 controls and private-use glyphs.
const JUNK = /(?![\t\n\r])\p{Cc}|[\uE000-\uF8FF\uFFFD]/gu;
// ASCII and typographic punctuation only: Latin-1 symbols (® ¸ ¹ « …) are TCVN3 *letters*.
const EDGE_PUNCT = /^[\u0021-\u0040\u005B-\u0060\u007B-\u007E\u2010-\u205E]+|[\u0021-\u0040\u005B-\u0060\u007B-\u007E\u2010-\u205E]+$/gu;
// Only Latin-1 (plus the Greek mu pdf.js substitutes for TCVN3 'à') can be legacy bytes.
const LEGACY_CANDIDATE = /^[\u0020-\u00FF\u03BC]*[\u00A0-\u00FF\u03BC][\u0020-\u00FF\u03BC]*$/u;

export function detectLegacyEncoding(text: string): LegacyDetection {
  const evidence: Record<LegacyScheme, number> = { tcvn3: 0, vni: 0, composite: 0 };
  const controlChars = text.match(JUNK)?.length ?? 0;
  let words = 0;
  let unicodeWords = 0;
  let legacyLine: LegacyScheme | null = null;
  for (const line of text.split('\n')) {
    const lineEvidence: Record<LegacyScheme, number> = { tcvn3: 0, vni: 0, composite: 0 };
    let lineWords = 0;
    for (const token of line.split(WORD_SEPARATORS)) {
      const verdict = tokenVerdict(token);
      if (!(verdict & IS_WORD)) continue;
      lineWords++;
      if (verdict & IS_UNICODE_VIETNAMESE) unicodeWords++;
      for (let i = 0; i < SCHEMES.length; i++) if (verdict & (1 << i)) lineEvidence[SCHEMES[i]]++;
    }
    for (const scheme of SCHEMES) evidence[scheme] += lineEvidence[scheme];
    words += lineWords;
    // A heading set in a legacy font on an otherwise Unicode page (`JOSE MOURINHO TÖÏ TRUYEÄN`).
    const best = bestScheme(lineEvidence);
    if (!legacyLine && lineEvidence[best] >= 2 && lineEvidence[best] >= 0.5 * lineWords) legacyLine = best;
  }
  const best = bestScheme(evidence);
  const hits = evidence[best];
  let scheme: LegacyScheme | null = legacyLine;
  // Thresholds: many hits and ≥ 8 % of the words, or a short page (title, heading) that is mostly legacy.
  if ((hits >= 3 && hits >= 0.08 * words) || (hits >= 2 && hits >= 0.25 * words)) scheme = best;
  const encoding: LegacyEncoding | null = scheme ? PUBLIC_NAME[scheme] : null;
  const undecodable = !scheme && isJunk(text, controlChars);
  return { encoding, scheme, evidence, words, unicodeWords, controlChars, undecodable };
}

/**
 * Junk = many control characters AND less than half of what is visible belongs to word-like
 * tokens. The second half keeps readable pages with a few broken glyphs (ligatures as control
 * codes in an English article) out: they are searchable as they are and need no OCR.
 */
function isJunk(text: string, controlChars: number): boolean {
  const visible = visibleLength(text);
  if (controlChars < 8 || controlChars < 0.05 * visible) return false;
  let wordChars = 0;
  for (const token of text.replace(JUNK, ' ').split(/\s+/u)) {
    const word = token.replace(EDGE_PUNCT, '');
    if (WORD_LIKE.test(word)) wordChars += word.length;
    else if (NUMBER_LIKE.test(token.replace(/[,;)]+$/u, ''))) wordChars += token.length; // EDGE_PUNCT strips digits
  }
  return wordChars < 0.5 * visible;
}

// Figures of a table (1990, 2.3, 45%), but not the lone digits of glyph junk (`2 2 !2 22`).
const NUMBER_LIKE = /^(?:\p{N}{3,}|\p{N}+[.,:%]\p{N}*)$/u;
// Two or more letters with a vowel (any script without Latin vowels counts: CJK, Cyrillic …).
const WORD_LIKE = /^(?=\p{L}{2,}$)(?:.*[aeiouyAEIOUY\u00C0-\u00FF\u0100-\u024F\u1E00-\u1EFF]|[^\p{Script=Latin}]+$)/u;

const WORD_SEPARATORS = /[\s\-–—/]+/u;
// Verdict bits beyond the per-scheme evidence bits (bit i = SCHEMES[i]).
const IS_WORD = 1 << 3;
const IS_UNICODE_VIETNAMESE = 1 << 4;

// Books reuse a small vocabulary (Vietnamese has ~7,000 syllables), so verdicts are cached per
// token: this runs on every page of every book, and most of its time went to re-deciding words.
const verdictCache = new Map<string, number>();
const VERDICT_CACHE_SIZE = 50_000;

/** A token between separators: is it a word (a letter once edge punctuation is gone), Unicode Vietnamese, evidence for which schemes. */
function tokenVerdict(token: string): number {
  let verdict = verdictCache.get(token);
  if (verdict !== undefined) return verdict;
  const word = token.replace(EDGE_PUNCT, '');
  verdict = 0;
  if (/\p{L}/u.test(word)) {
    verdict = IS_WORD | wordEvidence(word);
    if (UNICODE_VIETNAMESE_LETTER.test(word)) verdict |= IS_UNICODE_VIETNAMESE;
  }
  if (verdictCache.size >= VERDICT_CACHE_SIZE) verdictCache.clear();
  verdictCache.set(token, verdict);
  return verdict;
}

/** Bit i set = the word is evidence for SCHEMES[i]: invalid as it stands, a syllable once converted. */
function wordEvidence(word: string): number {
  let bits = 0;
  if (LEGACY_CANDIDATE.test(word) && !isVietnameseSyllable(word)) {
    SCHEMES.forEach((scheme, i) => {
      const converted = convertWord(word, scheme);
      if (converted !== word && [...converted].length >= 2 && isVietnameseSyllable(converted)) bits |= 1 << i;
    });
  }
  return bits;
}

function visibleLength(text: string): number {
  return text.replace(/\s+/g, '').length;
}

function bestScheme(evidence: Record<LegacyScheme, number>): LegacyScheme {
  return SCHEMES.reduce((a, b) => (evidence[b] > evidence[a] ? b : a));
}

export interface ConvertOptions {
  /**
   * Convert only words that are not valid Vietnamese as they stand but are after conversion.
   * Use it on pages that mix Unicode and legacy text: VNI `toàn` means "tồn", but in a Unicode
   * sentence it is the word "toàn" and must be left alone.
   */
  onlyInvalidWords?: boolean;
}

/**
 * Converts legacy-encoded text to Unicode (NFC). Words that already contain Unicode-only
 * Vietnamese letters are left as they are, so mixed text survives. 'unknown-legacy' uses the
 * reverse-engineered composite table; it cannot repair control-character junk.
 */
export function convertLegacyVietnamese(text: string, encoding: LegacyEncoding, options: ConvertOptions = {}): string {
  const scheme = SCHEME_OF[encoding];
  return text.replace(/[^\s\-–—/]+/gu, (token) => {
    if (UNICODE_VIETNAMESE_LETTER.test(token) || !/[\u00A0-\u00FF\u03BC]/u.test(token)) {
      return scheme === 'vni' ? token : restoreDroppedU(token);
    }
    const converted = restoreDroppedU(convertWord(token, scheme));
    if (!options.onlyInvalidWords) return converted;
    const bare = token.replace(EDGE_PUNCT, '');
    const bareConverted = converted.replace(EDGE_PUNCT, '');
    return !isVietnameseSyllable(bare) && isVietnameseSyllable(bareConverted) ? converted : token;
  });
}

/** Picks the conversion for a page from its detection; null when nothing can (or should) be converted. */
export function repairPageText(text: string, detection: LegacyDetection): string | null {
  if (!detection.scheme) return null;
  // Pages mixing scripts keep their Unicode words; mostly-legacy pages convert everything.
  const mixed = detection.unicodeWords >= 3 && detection.unicodeWords >= 0.2 * detection.evidence[detection.scheme];
  return convertLegacyVietnamese(text, PUBLIC_NAME[detection.scheme], { onlyInvalidWords: mixed });
}

function convertWord(word: string, scheme: LegacyScheme): string {
  if (scheme === 'tcvn3') {
    let out = '';
    for (const ch of word) out += TCVN3_MAP.get(ch) ?? ch;
    return out.normalize('NFC');
  }
  return (scheme === 'vni' ? convertVni(word) : convertComposite(word)).normalize('NFC');
}

/** VNI: marks only combine with the vowel right before them; anywhere else a byte is left as is. */
function convertVni(word: string): string {
  let out = '';
  let vowel = ''; // the preceding unmarked vowel, lower case
  for (const ch of word) {
    let mark: string | undefined;
    if ('aeo'.includes(vowel) && vowel) mark = VNI_CIRCUMFLEX.get(ch);
    if (!mark && vowel === 'a') mark = VNI_BREVE.get(ch);
    if (!mark && vowel && 'aeouyơư'.includes(vowel)) mark = VNI_TONE.get(ch);
    if (mark) {
      out += mark;
      vowel = '';
      continue;
    }
    const letter = VNI_LETTER.get(ch) ?? ch;
    out += letter;
    vowel = /^[aeouyơư]$/iu.test(letter) ? letter.toLowerCase() : '';
  }
  return out;
}

/** The unidentified composite scheme: letters map one to one, the tone byte follows its vowel. */
function convertComposite(word: string): string {
  let out = '';
  let afterVowel = false;
  for (const ch of word) {
    const tone = afterVowel ? COMPOSITE_TONE.get(ch) : undefined;
    if (tone) {
      out += tone;
      afterVowel = false;
      continue;
    }
    const letter = COMPOSITE_LETTER.get(ch) ?? ch;
    out += letter;
    afterVowel = /^[aăâeêiîoôơuưy]$/iu.test(letter);
  }
  return out;
}

/**
 * TCVN3 puts 'ư' at 0xAD, the soft hyphen, which PDF readers drop ("Trường" arrives as `Trêng`,
 * i.e. "Trờng"); the composite scheme loses it in places too. Put it back where the spelling
 * leaves no doubt: ơ + c/ng/u is not a Vietnamese rhyme (ươ + c/ng/u is), and a word with
 * consonants only (`nhng`) is missing its vowel. "ngời" is rare enough to read as "người".
 */
function restoreDroppedU(token: string): string {
  return token.replace(/\p{L}+/gu, (word) => {
    if (word.length < 3 || isVietnameseSyllable(word)) return word === 'ngời' ? 'người' : word;
    const m = /^(ngh|ng|nh|ch|tr|th|kh|ph|gi|[bcdđghklmnqrstvx])?([ơờởỡớợ])(ng|c|u)$/iu.exec(word);
    if (m) {
      const fixed = (m[1] ?? '') + (isUpper(m[2]) ? 'Ư' : 'ư') + m[2] + m[3];
      return isVietnameseSyllable(fixed) ? fixed : word;
    }
    const bare = /^(ngh|ng|nh|ch|tr|th|kh|ph|gi|[bcdđghklmnrstvx])(ng|c|t|n|m)$/iu.exec(word);
    if (bare) return bare[1] + (isUpper(word) ? 'Ư' : 'ư') + bare[2];
    return word;
  });
}

function isUpper(s: string): boolean {
  return s === s.toUpperCase() && s !== s.toLowerCase();
}
