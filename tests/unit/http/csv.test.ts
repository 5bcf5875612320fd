import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { defuseFormula, toCsv } from '../../../src/http/csv.ts';

describe('the CSV writer (statistics exports and the consent register)', () => {
  it('has a BOM, CRLF line ends and RFC 4180 quoting', () => {
    const csv = toCsv(
      ['Từ khóa', 'Lượt'],
      [
        ['a,b', 1],
        ['say "hi"', 2],
        ['bình thường', 0],
        [null, Number.NaN],
      ],
    );
    expect(csv.startsWith('\uFEFFTừ khóa,Lượt\r\n')).toBe(true);
    expect(csv).toContain('"a,b",1\r\n');
    expect(csv).toContain('"say ""hi""",2\r\n');
    expect(csv).toContain('bình thường,0\r\n');
    expect(csv.endsWith(',\r\n')).toBe(true);
  });

  it('defuses a formula at the start of a cell', () => {
    for (const f of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', ' =1+1'])
      expect(defuseFormula(f).startsWith("'"), JSON.stringify(f)).toBe(true);
    expect(defuseFormula('Truyện Kiều')).toBe('Truyện Kiều');
    expect(defuseFormula('Nguyễn Du - Truyện Kiều')).toBe('Nguyễn Du - Truyện Kiều');
  });

  it('defuses a formula that starts after any separator a spreadsheet might split on (; , tab, newline, |)', () => {
    for (const sep of [';', ',', '\t', '\n', '\r\n', '|', '; ']) {
      const text = `abc${sep}=1+1`;
      const out = defuseFormula(text);
      expect(out, JSON.stringify(text)).toBe(`'abc${sep}'=1+1`);
    }
    expect(defuseFormula('x;+cmd|/c calc')).toBe("'x;'+cmd|/c calc");
    expect(defuseFormula('a;-1;@b')).toBe("'a;'-1;'@b");
  });

  it('leaves no cell, read back with any separator, that starts with a formula character', () => {
    const hostile = ['abc;=1+1', 'abc,=1+1', 'a\t=1', 'x|=2', 'q\n=3', '=4', 'ok; +5'];
    const csv = toCsv(
      ['q', 'n'],
      hostile.map((q, i) => [q, i]),
    );
    for (const delimiter of [',', ';', '\t', '|']) {
      // A naive splitter: what a spreadsheet with other regional settings may do with our line.
      const naive = csv
        .replace(/^\uFEFF/, '')
        .split(/\r\n|\n/)
        .flatMap((line) => line.split(delimiter));
      for (const c of naive) expect(/^\s*"?\s*[=+@]/.test(c) || /^\s*"?-\D/.test(c), `${delimiter}: ${JSON.stringify(c)}`).toBe(false);
      // A proper CSV reader with that delimiter as well.
      const rows = parse(csv.replace(/^\uFEFF/, ''), { delimiter, relax_quotes: true, relax_column_count: true }) as string[][];
      for (const c of rows.flat()) expect(/^\s*[=+\-@]/.test(c), `${delimiter}: ${JSON.stringify(c)}`).toBe(false);
    }
    // And read back as written (with ','), the text is intact apart from the apostrophes.
    const back = parse(csv.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
    expect(back.slice(1).map((r) => r[0].replace(/'/g, ''))).toEqual(hostile);
  });
});
