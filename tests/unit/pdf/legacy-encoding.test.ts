import { describe, expect, it } from 'vitest';
import { convertLegacyVietnamese, detectLegacyEncoding, repairPageText } from '../../../src/pdf/legacy-encoding.ts';
import { isVietnameseSyllable } from '../../../src/pdf/vietnamese-syllable.ts';

describe('isVietnameseSyllable', () => {
  it.each([
    'Việt',
    'Nam',
    'người',
    'Trường',
    'giếng',
    'gì',
    'quốc',
    'quyển',
    'khuya',
    'nghiêng',
    'đường',
    'HỌC',
    'ươm',
    'oanh',
    'xoăn',
    'chuyện',
    'ngoằn',
    'à',
    'ý',
    'yêu',
    'thuở',
    'khuỷu',
  ])('accepts %s', (word) => expect(isVietnameseSyllable(word)).toBe(true));

  it.each(['Vieät', 'gi¸o', 'Tr\u00ADêng', 'school', 'world', 'schön', 'maïs', 'Noël', 'strength', 'hcà', 'hoạcx', 'cấpp', 'tàp'])(
    'rejects %s',
    (word) => expect(isVietnameseSyllable(word)).toBe(false),
  );
});

describe('detectLegacyEncoding + conversion', () => {
  it.each([
    // TCVN3 (ABC), as poppler and pdf.js extract it
    ['Bé gi¸o dôc vµ ®µo t¹o', 'tcvn3', 'Bộ giáo dục và đào tạo'],
    // pdf.js turns the TCVN3 'à' (µ, U+00B5) into Greek μ (U+03BC)
    ['Bé gi¸o dôc vμ ®μo t¹o', 'tcvn3', 'Bộ giáo dục và đào tạo'],
    ['Tr\u00ADêng ®¹i häc B¸ch khoa Hµ Néi', 'tcvn3', 'Trường đại học Bách khoa Hà Nội'],
    // …and drops 'ư' (0xAD, the soft hyphen): restored where the spelling leaves no doubt
    ['Trêng ®¹i häc', 'tcvn3', 'Trường đại học'],
    ['Níc ta lµ níc n«ng nghiÖp', 'tcvn3', 'Nước ta là nước nông nghiệp'],
    ['Nh­ng c¸c b¹n h·y nhí', 'tcvn3', 'Nhưng các bạn hãy nhớ'],
    // VNI
    ['Nhaø xuaát baûn Y hoïc', 'vni', 'Nhà xuất bản Y học'],
    ['Lôøi giôùi thieäu', 'vni', 'Lời giới thiệu'],
    ['Yoga döôõng sinh cho moïi ngöôøi', 'vni', 'Yoga dưỡng sinh cho mọi người'],
    ['JOSE MOURINHO TÖÏ TRUYEÄN', 'vni', 'JOSE MOURINHO TỰ TRUYỆN'],
    ['Vieät Nam ñaát nöôùc ta ôi', 'vni', 'Việt Nam đất nước ta ơi'],
    ['Hoïc taäp toát, lao ñoäng toát', 'vni', 'Học tập tốt, lao động tốt'],
    // The unidentified 8-bit scheme (corpus: 108 truyện ngụ ngôn, Đánh cắp ý tưởng)
    ['Ngûåa àûåc ngûåa caái', 'unknown-legacy', 'Ngựa đực ngựa cái'],
    ['NHÛÄNG CÊU CHUYÏÅN NGUÅ NGÖN HAY NHÊËT THÏË GIÚÁI', 'unknown-legacy', 'NHỮNG CÂU CHUYỆN NGỤ NGÔN HAY NHẤT THẾ GIỚI'],
    ['Steve Cone hiïån laâ möåt trong nhûäng chuyïn gia', 'unknown-legacy', 'Steve Cone hiện là một trong những chuyên gia'],
    [
      'Rùæn vaâ nhñm, hoùåc muöën tiïën xa hún nûäa, seä dêìn nhêån ra rùçng',
      'unknown-legacy',
      'Rắn và nhím, hoặc muốn tiến xa hơn nữa, sẽ dần nhận ra rằng',
    ],
  ])('%s → %s', (mojibake, encoding, unicode) => {
    const detection = detectLegacyEncoding(mojibake);
    expect(detection.encoding).toBe(encoding);
    expect(repairPageText(mojibake, detection)).toBe(unicode);
  });

  it('keeps punctuation, digits, ASCII words and line breaks', () => {
    const text = 'Ch\u00AD¬ng 1: "Bé gi¸o dôc" (1995)\nISBN 978-604 - trang 12';
    expect(convertLegacyVietnamese(text, 'tcvn3')).toBe('Chương 1: "Bộ giáo dục" (1995)\nISBN 978-604 - trang 12');
  });

  it('converts a legacy heading on an otherwise Unicode page, and only the heading', () => {
    const page = [
      'https://thuviensach.vn',
      'JOSE MOURINHO TÖÏ TRUYEÄN',
      'Tác Giả: Jose Mourinho. Người dịch: Lê Minh. Hoà bình và toàn thắng, khoá học.',
    ].join('\n');
    const detection = detectLegacyEncoding(page);
    expect(detection.encoding).toBe('vni');
    // "toàn", "hoà", "khoá" are VNI for tồn/hồ/khố, but here they are Unicode words and must stay.
    expect(repairPageText(page, detection)).toBe(page.replace('TÖÏ TRUYEÄN', 'TỰ TRUYỆN'));
  });

  it('reports pages of control characters as undecodable, not as legacy Vietnamese (no evidence of an encoding)', () => {
    const junk = 'xxqqii\u0007\u0007xx22rr 22ii\n\u0003\u00042\u0007\b \u00042 \u000e\nx \u000f2\u0010\u0011\u0012\u00132';
    const detection = detectLegacyEncoding(junk);
    expect(detection.encoding).toBeNull();
    expect(detection.undecodable).toBe(true);
    expect(repairPageText(junk, detection)).toBeNull();
  });
});

describe('no false positives', () => {
  it.each([
    [
      'Vietnamese (Unicode)',
      'Họ Tư Mã đời đời làm sử quan. Đến đời nhà Hán, Tư Mã Đàm làm Thái sư lệnh. Trước khi từ trần, ông cầm tay con là Tư Mã Thiên mà dặn rằng: Tổ tiên ta đời đời làm sử quan.',
    ],
    ['Vietnamese with old-style tones', 'Hoà bình, toà án, khoá học, thuỷ lợi, hoà thuận, loà xoà, mùa thu, thuở bé.'],
    ['Vietnamese, all capitals', 'NHÀ XUẤT BẢN GIÁO DỤC – MỘT TẤM GƯƠNG ĐẠO ĐỨC SÁNG NGỜI – VUA CŨNG CHỈ LÀ NGƯỜI'],
    ['Vietnamese without diacritics', 'Tu tuong Ho Chi Minh ve doc lap dan toc va chu nghia xa hoi'],
    ['English', 'The quick brown fox jumps over the lazy dog. Free Culture: How Big Media Uses Technology and the Law.'],
    ['English with ™ © ® and fractions', 'Acme® Widgets™ © 2004, ½ price, 10 µm wide · 3¼ inches — “quoted”.'],
    [
      'French',
      "Où est la bibliothèque ? L'élève a déjà mangé à la cantine, où il y a du maïs et des crêpes. Noël, « Bonjour », ça va très bien. Coïncidence naïve.",
    ],
    ['German', 'Schöne Grüße aus München, die Größe der Bäume ist außergewöhnlich für Köln. Über Öl und Äpfel.'],
    ['Spanish/Portuguese', 'El niño comió piñas en São Paulo; la canción está aquí. Ação, coração, não.'],
    ['Nordic', 'Smørrebrød på Østerbro, blåbær og æbler. Hämeenlinna är vacker.'],
    ['code and numbers', 'def f(x): return x ** 2  # 3.14 | 0xAD | a[i] != b[j] && c <= d'],
  ])('%s is not legacy', (_name, text) => {
    const detection = detectLegacyEncoding(text);
    expect(detection.encoding).toBeNull();
    expect(detection.undecodable).toBe(false);
  });

  // What the 19 pdf.js test files flagged before issue 15 looked like: readable text whose
  // ligatures or symbols come out as control codes. Readable = searchable: not legacy, no OCR.
  it.each([
    [
      'English article, ligatures as control codes',
      'The e\u0003cient algorithm \u0002nds signi\u0003cant \u0004ows in the \u0002eld. We de\u0002ne the o\u0003ce work\u0003ow and \u0002nal con\u0002guration. Speci\u0002c bene\u0002ts, \u0003rst \u0004oor.',
    ],
    [
      'French, ligatures as control codes',
      'La con\u0002ance et l\u2019e\u0003cacit\u00e9 du \u0002nancement, les b\u00e9n\u00e9\u0002ces de l\u2019o\u0003ce. R\u00e9\u0004exion \u0002nale sur la d\u00e9\u0002nition, signi\u0002cative et \u0002able.',
    ],
    [
      'German, symbols as control codes',
      '\u0001 Die Gr\u00f6\u00dfe \u0001 der B\u00e4ume \u0001 ist au\u00dfergew\u00f6hnlich \u0001 f\u00fcr K\u00f6ln \u0001 \u00dcber \u00d6l \u0001 und \u00c4pfel \u0001 sch\u00f6ne Gr\u00fc\u00dfe \u0001 aus M\u00fcnchen',
    ],
    [
      'a table of numbers with control-code rules',
      '1990\u0005 2.3\u0005 4.5\u0005 6.7\u0005\n1991\u0005 2.4\u0005 4.6\u0005 6.8\u0005\nTotal revenue per year, millions',
    ],
  ])('%s is neither legacy nor undecodable', (_name, text) => {
    const detection = detectLegacyEncoding(text);
    expect(detection.controlChars).toBeGreaterThanOrEqual(4);
    expect(detection.encoding).toBeNull();
    expect(detection.undecodable).toBe(false);
  });

  it('leaves Unicode Vietnamese unchanged in onlyInvalidWords mode (used for mixed pages)', () => {
    const text = 'Tư tưởng Hồ Chí Minh về độc lập dân tộc. Dế Mèn phiêu lưu ký. Hoà bình, toàn dân.';
    for (const encoding of ['tcvn3', 'vni', 'unknown-legacy'] as const) {
      expect(convertLegacyVietnamese(text, encoding, { onlyInvalidWords: true })).toBe(text);
    }
  });

  it('leaves words with Unicode-only letters alone even in full conversion', () => {
    const text = 'Tư tưởng Đại Việt';
    expect(convertLegacyVietnamese(text, 'tcvn3')).toBe(text);
    expect(convertLegacyVietnamese(text, 'vni')).toBe(text);
  });
});
