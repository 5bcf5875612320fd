/**
 * A permissive check that a word is one well-formed Vietnamese syllable (onset + rhyme + at most
 * one tone). Legacy-encoding detection leans on it: mojibake such as `Vieät` or `gi¸o` is *not* a
 * syllable, but becomes one after conversion (`Việt`, `giáo`), whereas English, French or German
 * words almost never turn into valid syllables. It does not need to be a complete grammar of
 * Vietnamese, only strict enough that random Latin-1 soup rarely passes.
 */

const ONSETS = [
  'ngh',
  'ch',
  'gh',
  'gi',
  'kh',
  'ng',
  'nh',
  'ph',
  'qu',
  'th',
  'tr',
  'b',
  'c',
  'd',
  'đ',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'x',
  '',
];

// Rhymes without tone. Rare-but-real ones are included; the aim is few false "invalid" verdicts.
const RHYMES = new Set(
  `a ai ao au ay an ang anh am ap at ac ach
  ăn ăng ăm ăp ăt ăc
  âu ây ân âng âm âp ât âc
  e eo en eng em ep et ec
  ê êu ên ênh êm êp êt êch
  i ia iu in inh im ip it ich iêu iên iêng iêm iêp iêt iêc
  o oi on ong om op ot oc ooc oong
  oa oai oao oay oan oang oanh oam oap oat oac oach oăn oăng oăm oăp oăt oăc oe oeo oen oet oem
  ô ôi ôn ông ôm ôp ôt ôc
  ơ ơi ơn ơm ơp ơt
  u ui un ung um up ut uc ua uân uâng uât uây uê uêch uênh uy uya uyên uyêt uych uynh uyt uyu
  uơ uôi uôn uông uôm uôt uôc
  ư ưi ưu ưn ưng ưm ưt ưc ưa ươi ươu ươn ương ươm ươp ươt ươc
  y yêu yên yêm yêt`.split(/\s+/),
);

/** After "qu" the medial u is already spelt, so the rhyme starts at the main vowel. */
const QU_RHYMES = new Set(
  `a ai an ang anh am ap at ac ach ay ao ăn ăng ăm ăt ăc ân âng ât ây e eo en et em
  ê ên ênh êch êt y ya yên yêt ynh ych yt yu i in inh it ich ơ ơi ôc`.split(/\s+/),
);

// Tone marks as combining characters; the other marks (circumflex, breve, horn) are part of the letter.
const TONES = /[\u0300\u0301\u0303\u0309\u0323]/g;
const STOP_FINAL = /(?:p|t|c|ch)$/;

/** True when `word` (any case, NFC or NFD) is a single valid Vietnamese syllable. */
export function isVietnameseSyllable(word: string): boolean {
  const decomposed = word.toLowerCase().normalize('NFD');
  const tones = decomposed.match(TONES) ?? [];
  if (tones.length > 1) return false;
  const bare = decomposed.replace(TONES, '').normalize('NFC');
  if (!/^[a-zđăâêôơư]+$/.test(bare)) return false;
  // Syllables closed by p/t/c/ch only take the sharp or heavy tone (cấp, học; never *hcà).
  if (STOP_FINAL.test(bare) && tones.length === 1 && tones[0] !== '\u0301' && tones[0] !== '\u0323') return false;
  for (const onset of ONSETS) {
    if (!bare.startsWith(onset)) continue;
    const rhyme = bare.slice(onset.length);
    if (onset === 'qu' ? QU_RHYMES.has(rhyme) : RHYMES.has(rhyme)) return true;
    // "gi" swallows the i of iê/i: giếng = gi + êng, gìn = g + ìn.
    if (onset === 'gi' && (RHYMES.has('i' + rhyme) || rhyme === '')) return true;
  }
  return false;
}

/** Letters that only Unicode Vietnamese uses (outside Latin-1): ă đ ĩ ũ ơ ư and the U+1EA0 block. */
export const UNICODE_VIETNAMESE_LETTER = /[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01A0\u01A1\u01AF\u01B0\u1EA0-\u1EF9]/u;
