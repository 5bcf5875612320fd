import { describe, expect, it } from 'vitest';
import { hasReadableText, joinTextItems, normalisePageText } from '../../../src/pdf/page-text.ts';

describe('page text', () => {
  it('joins items, turning hasEOL into newlines and skipping marked-content markers', () => {
    const items = [
      { type: 'beginMarkedContent', id: 'mc0' },
      { str: 'Dế Mèn', hasEOL: false },
      { str: ' ', hasEOL: false },
      { str: 'phiêu lưu ký', hasEOL: true },
      { type: 'endMarkedContent' },
      { str: 'Tô Hoài', hasEOL: true },
    ];
    expect(joinTextItems(items)).toBe('Dế Mèn phiêu lưu ký\nTô Hoài\n');
  });

  it('normalises to NFC and tidies whitespace', () => {
    const decomposed = 'Vie\u0323\u0302t Nam'.normalize('NFD');
    const raw = `  ${decomposed}\u00A0\u00A0 có\t\tnhiều   \r\n\r\n\r\n\r\n  tỉnh\u200B thành\u00AD \u0007\n`;
    expect(normalisePageText(raw)).toBe('Việt Nam có nhiều\n\ntỉnh thành');
  });

  it('counts a page with only punctuation or whitespace as textless', () => {
    expect(hasReadableText(' . - … \n')).toBe(false);
    expect(hasReadableText('– 12 –')).toBe(true);
    expect(hasReadableText('Ồ')).toBe(true);
  });
});
