import { describe, expect, it } from 'vitest';
import { toParagraphs } from '../../../src/features/reader/reader.service.ts';
import { HL_POST, HL_PRE, highlightTerms, markedSegments, queryTerms, segmentsToHtml, slugify } from '../../../src/features/public/text.ts';

describe('public text helpers', () => {
  it('makes ASCII slugs from Vietnamese titles, đ included', () => {
    expect(slugify('Đất rừng phương Nam')).toBe('dat-rung-phuong-nam');
    expect(slugify('  Truyện Kiều (bản 2024)! ')).toBe('truyen-kieu-ban-2024');
  });

  it('highlights query words in the original spelling, ignoring accents and case', () => {
    const segs = highlightTerms('Truyện Kiều của Nguyễn Du', queryTerms('truyen kieu'));
    expect(segs).toEqual([
      { text: 'Truyện', mark: true },
      { text: ' ', mark: false },
      { text: 'Kiều', mark: true },
      { text: ' của Nguyễn Du', mark: false },
    ]);
    expect(highlightTerms('Đường xa', ['duong'])[0]).toEqual({ text: 'Đường', mark: true });
  });

  it('turns Meilisearch highlight tags into segments and escapes everything else', () => {
    const raw = `a <b> & ${HL_PRE}chữ${HL_POST} "x" ${HL_PRE}stray`;
    const segs = markedSegments(raw);
    expect(segs).toEqual([
      { text: 'a <b> & ', mark: false },
      { text: 'chữ', mark: true },
      { text: ' "x" stray', mark: false },
    ]);
    expect(segmentsToHtml(segs)).toBe('a &lt;b&gt; &amp; <mark>chữ</mark> &quot;x&quot; stray');
  });

  it('rebuilds paragraphs from extracted lines', () => {
    expect(toParagraphs('Dòng một\ndòng hai.\nDòng ba')).toEqual(['Dòng một dòng hai.', 'Dòng ba']);
    expect(toParagraphs('Đoạn một\ntiếp\n\nĐoạn hai')).toEqual(['Đoạn một tiếp', 'Đoạn hai']);
    expect(toParagraphs('chia-\nrẽ')).toEqual(['chiarẽ']);
    expect(toParagraphs('   \n  ')).toEqual([]);
  });
});
