import { describe, expect, it } from 'vitest';
import { highlightBoxes, isUsableText } from '../../../src/features/reader/page-highlights.ts';

const box = (t: string) => ({ t, x: 0, y: 0, w: 0.1, h: 0.02 });

describe('highlight boxes over a page picture', () => {
  const words = ['Bạn', 'an', 'Ân', 'toán', 'đường', 'Đường,', '(an)', 'Nguyễn-Du', 'Hà'].map(box);
  it('match whole syllables only, case and diacritics folded, đ → d', () => {
    expect(highlightBoxes(words, 'an').map((w) => w.t)).toEqual(['an', 'Ân', '(an)']);
    expect(highlightBoxes(words, 'duong').map((w) => w.t)).toEqual(['đường', 'Đường,']);
    expect(highlightBoxes(words, 'ĐƯỜNG').map((w) => w.t)).toEqual(['đường', 'Đường,']);
    expect(highlightBoxes(words, 'du').map((w) => w.t)).toEqual(['Nguyễn-Du']);
    expect(highlightBoxes(words, 'ha noi').map((w) => w.t)).toEqual(['Hà']);
  });
  it('an empty or one-letter query marks nothing', () => {
    expect(highlightBoxes(words, '')).toEqual([]);
    expect(highlightBoxes(words, 'a')).toEqual([]);
  });
});

describe('usable page text', () => {
  it('accepts Vietnamese and English prose and short headings', () => {
    expect(isUsableText('Tôi sống độc lập từ thuở bé. Ấy là lệ nhà.')).toBe(true);
    expect(isUsableText('The quick brown fox jumps over the lazy dog.')).toBe(true);
    expect(isUsableText('Chương 1')).toBe(true);
  });
  it('refuses scans (no text) and undecodable old-font text', () => {
    expect(isUsableText('')).toBe(false);
    expect(isUsableText('  \n . , ')).toBe(false);
    expect(isUsableText("v 2 2q 2. 2 2 '2 # 2 2w 2 ! 2 2 22 2q")).toBe(false);
    expect(isUsableText('Vieät Nam gi¸o dôc cña n−íc ta ®· tõng')).toBe(false);
  });
});
