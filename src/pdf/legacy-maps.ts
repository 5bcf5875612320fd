/**
 * Character tables for the pre-Unicode Vietnamese font encodings that donated PDFs still use.
 * Those fonts had no ToUnicode map, so PDF readers report the raw bytes as Latin-1 (WinAnsi):
 * what we receive is the byte values, read as Latin-1 characters.
 */

export type LegacyScheme = 'tcvn3' | 'vni' | 'composite';

/**
 * TCVN3 (TCVN 5712:1993 "VN3", the ABC fonts: .VnTime …): one byte per precomposed letter.
 * Lower-case only; the capital fonts (.VnTimeH) reuse the same codes with capital glyphs, so their
 * text extracts as lower case and can't be told apart.
 */
const TCVN3_PAIRS =
  '¡Ă¢Â£Ê¤Ô¥Ơ¦Ư§Đ¨ă©âªê«ô¬ơ\u00ADư®đ' +
  'µà¶ả·ã¸á¹ạ»ằ¼ẳ½ẵ¾ắÆặÇầÈẩÉẫÊấËậ' +
  'ÌèÎẻÏẽÐéÑẹÒềÓểÔễÕếÖệ×ìØỉÜĩÝíÞị' +
  'ßòáỏâõãóäọåồæổçỗèốéộêờëởìỡíớîợ' +
  'ïùñủòũóúôụõừöử÷ữøứùựúỳûỷüỹýýþỵ' +
  // pdf.js maps the Latin-1 micro sign (TCVN3 'à') to Greek mu; treat both alike.
  'μà';

export const TCVN3_MAP: ReadonlyMap<string, string> = pairsToMap(TCVN3_PAIRS);

/**
 * VNI (VNI-Times …): a base ASCII letter followed by one or two "mark" bytes, e.g. `Vieät` =
 * V-i-e-ä-t = Việt, `döôõng` = dưỡng. Marks are expressed as combining characters and NFC does the rest.
 */
const ACUTE = '\u0301';
const GRAVE = '\u0300';
const HOOK = '\u0309';
const TILDE = '\u0303';
const DOT = '\u0323';
const CIRC = '\u0302';
const BREVE = '\u0306';

/** Tone marks after a, e, o, u, y, ơ, ư. */
export const VNI_TONE = caseless({ ù: ACUTE, ø: GRAVE, û: HOOK, õ: TILDE, ï: DOT });
/** Circumflex (+ tone) after a, e, o. */
export const VNI_CIRCUMFLEX = caseless({
  â: CIRC,
  á: CIRC + ACUTE,
  à: CIRC + GRAVE,
  å: CIRC + HOOK,
  ã: CIRC + TILDE,
  ä: CIRC + DOT,
});
/** Breve (+ tone) after a. */
export const VNI_BREVE = caseless({
  ê: BREVE,
  é: BREVE + ACUTE,
  è: BREVE + GRAVE,
  ú: BREVE + HOOK,
  ü: BREVE + TILDE,
  ë: BREVE + DOT,
});
/** Whole letters: ơ, ư, đ and the toned i / ỵ, which VNI encodes as single bytes. */
export const VNI_LETTER: ReadonlyMap<string, string> = pairsToMap('ôơÔƠöưÖƯñđÑĐæỉÆỈóĩÓĨòịÒỊîỵÎỴ');

/**
 * An 8-bit scheme that is neither TCVN3 nor VNI (fonts VnNCentury2, AVnOxford, AVnPalatino2 in the
 * corpus; not identified). Reverse-engineered from corpus samples such as `Ngûåa àûåc ngûåa caái`
 * = "Ngựa đực ngựa cái": letters are single bytes and the tone is a separate byte after the vowel,
 * with different tone bytes for plain vowels, vowels with a circumflex, and ă (the mark sits at a
 * different height). Hook/tilde for ă are inferred from the byte order, not observed.
 */
export const COMPOSITE_LETTER: ReadonlyMap<string, string> = pairsToMap('àđÀĐùăÙĂêâÊÂïêÏÊöôÖÔúơÚƠûưÛƯñíÑÍòìÒÌóỉÓỈôĩÔĨõịÕỊ');
export const COMPOSITE_TONE = caseless({
  á: ACUTE,
  â: GRAVE,
  ã: HOOK,
  ä: TILDE,
  å: DOT, // a e o u y ơ ư
  ë: ACUTE,
  ì: GRAVE,
  í: HOOK,
  î: TILDE, // â ê ô
  æ: ACUTE,
  ç: GRAVE,
  è: HOOK,
  é: TILDE, // ă
});

function pairsToMap(pairs: string): Map<string, string> {
  const chars = [...pairs];
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < chars.length; i += 2) map.set(chars[i], chars[i + 1]);
  return map;
}

/** The same table for the lower- and upper-case form of each mark byte. */
function caseless(table: Record<string, string>): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(table)) {
    map.set(k, v);
    map.set(k.toUpperCase(), v);
  }
  return map;
}
