import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '../../../src/http/safe-redirect.ts';

const FALLBACK = '/fallback';
const check = (v: unknown) => safeReturnPath(v, FALLBACK);

describe('safeReturnPath: the one return-address check', () => {
  it('keeps local paths with their query and fragment', () => {
    expect(check('/')).toBe('/');
    expect(check('/admin/books?page=2')).toBe('/admin/books?page=2');
    expect(check('/sach/12-truyen-kieu#muc-luc')).toBe('/sach/12-truyen-kieu#muc-luc');
    expect(check('/tim?q=truyện kiều')).toBe('/tim?q=truy%E1%BB%87n%20ki%E1%BB%81u');
  });

  it('refuses every form that a browser would take to another host', () => {
    const hostile = [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\\/evil.example',
      '\\/evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example',
      '/ /evil.example'.replace(' ', '\u0000'),
      '/%5Cevil.example',
      '/%5cevil.example',
      '/%2F%2Fevil.example',
      '/%2f/evil.example',
      '/%252F%252Fevil.example',
      '/%255Cevil.example',
      '/%09/evil.example',
      '/%0a/evil.example',
      'http://evil.example',
      'https://evil.example/admin',
      'HTTPS://evil.example',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'evil.example',
      ' //evil.example',
      '',
      '/%E0%A4%A',
      `/${'a'.repeat(2001)}`,
    ];
    for (const v of hostile) expect(check(v), JSON.stringify(v)).toBe(FALLBACK);
  });

  it('refuses what is not a string', () => {
    for (const v of [undefined, null, 42, ['/admin'], { a: 1 }]) expect(check(v)).toBe(FALLBACK);
  });

  it('whatever it returns resolves to our own origin in a browser-like URL parser', () => {
    const samples = ['/a', '/a/../b', '/./x', '/a?next=//evil.example', '/%2e%2e/admin', '/a#//evil.example'];
    for (const v of samples) {
      const out = check(v);
      expect(new URL(out, 'https://thuvien.example').origin, v).toBe('https://thuvien.example');
    }
  });
});
