import { describe, expect, it } from 'vitest';
import * as server from '../../../src/features/search/syllable-match.ts';
// @ts-expect-error — the browser twin is plain JavaScript without type declarations.
import * as browser from '../../../static/js/syllable-match.js';
import { requestKey, queryShape } from '../../../src/features/search/search-precision.ts';
import { highlightTerms, queryTerms } from '../../../src/features/public/text.ts';

type Rule = typeof server;
const marked = (rule: Rule, text: string, q: string) =>
  rule
    .highlightSyllables(text, rule.queryTerms(q))
    .filter((s) => s.mark)
    .map((s) => s.text);

// The same cases run against the server module and its browser copy (static/js/syllable-match.js).
describe.each([
  ['server', server as Rule],
  ['browser', browser as Rule],
])('whole-syllable highlighting (%s)', (_name, rule) => {
  it('marks whole syllables only: "an" never marks bạn, thẳng, Danh, anh', () => {
    const text = 'Bạn đi thẳng tới nhà anh Danh để ăn trộm mèo, an toàn.';
    expect(marked(rule, text, 'an trom meo')).toEqual(['ăn', 'trộm', 'mèo', 'an']);
  });

  it('ignores diacritics and case: "an" marks ăn, ân, án, Ấn; đ counts as d', () => {
    expect(marked(rule, 'Ăn quả nhớ kẻ trồng cây, ân nghĩa, bản án, Ấn Độ', 'an')).toEqual(['Ăn', 'ân', 'án', 'Ấn']);
    expect(marked(rule, 'Đường về Đồng Tháp', 'duong dong')).toEqual(['Đường', 'Đồng']);
  });

  it('keeps the original text around the marks, decomposed (NFD) input included', () => {
    const nfd = 'Truyện Kiều của Nguyễn Du'.normalize('NFD');
    const segs = rule.highlightSyllables(nfd, rule.queryTerms('truyen kieu'));
    expect(segs.map((s) => s.text).join('')).toBe(nfd);
    expect(segs.filter((s) => s.mark).map((s) => s.text.normalize('NFC'))).toEqual(['Truyện', 'Kiều']);
  });

  it('marks nothing for an empty query, one letter or punctuation, and handles empty text', () => {
    expect(rule.queryTerms('')).toEqual([]);
    expect(rule.queryTerms('a ! ?? 🙂')).toEqual([]);
    expect(rule.highlightSyllables('', ['an'])).toEqual([]);
    expect(rule.highlightSyllables('chữ', [])).toEqual([{ text: 'chữ', mark: false }]);
  });

  it('keeps at most 12 distinct terms, folded', () => {
    expect(rule.queryTerms('Ăn ăn AN ân')).toEqual(['an']);
    expect(rule.queryTerms(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))).toHaveLength(12);
  });
});

describe('phrases', () => {
  it('finds the query as consecutive syllables, ignoring accents, case and punctuation', () => {
    expect(server.containsPhrase('Nghe kể xong, chàng thiếu niên liền…', 'nghe ke xong chang thieu')).toBe(true);
    expect(server.containsPhrase('hình ảnh của nhân vật … của một viên quan', 'hinh anh cua mot nhan')).toBe(false);
    expect(server.containsPhrase('Bạn cơm', 'an com')).toBe(false);
    expect(server.containsPhrase('Bạn ăn cơm', 'an com')).toBe(true);
    expect(server.containsPhrase('anything', '?!')).toBe(false);
  });
});

describe('one rule everywhere', () => {
  it('text.ts (text mode) uses the same rule', () => {
    expect(highlightTerms('bạn ăn', queryTerms('an'))).toEqual([
      { text: 'bạn ', mark: false },
      { text: 'ăn', mark: true },
    ]);
  });

  it('the browser copy agrees with the server on mixed text', () => {
    const text = 'Hôm ấy, Trạng Quỳnh (quỳnh) ăn-trộm 2 con mèo… Danh, bạn, ĐI đi!';
    for (const q of ['an trom meo', 'quynh', 'di', 'con 2', 'dANH'])
      expect(browser.highlightSyllables(text, browser.queryTerms(q))).toEqual(server.highlightSyllables(text, server.queryTerms(q)));
  });
});

describe('query keys and shapes', () => {
  it('groups requests by the query with case, spacing, punctuation and diacritics folded', () => {
    expect(requestKey('  Đắc Nhân   Tâm! ')).toBe('dac nhan tam');
    expect(requestKey('dac nhan tam')).toBe('dac nhan tam');
    expect(requestKey('DẾ MÈN phiêu-lưu ký')).toBe('de men phieu luu ky');
  });

  it('tells searchable queries from emoji, punctuation and single letters', () => {
    expect(queryShape('🙂🙂🙂')).toBe('no_words');
    expect(queryShape('?!…')).toBe('no_words');
    expect(queryShape('a')).toBe('too_short');
    expect(queryShape('ăn')).toBe('ok');
    expect(queryShape('x'.repeat(10_000))).toBe('ok');
  });
});
