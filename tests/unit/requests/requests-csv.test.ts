import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { guardCell, requestsCsv } from '../../../src/features/requests/requests-csv.ts';

describe('book requests CSV', () => {
  it('guards cells a spreadsheet would run as formulas, at the start and after a separator', () => {
    expect(guardCell('=1+1')).toBe("'=1+1");
    expect(guardCell('+84 90')).toBe("'+84 90");
    expect(guardCell('-2')).toBe("'-2");
    expect(guardCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(guardCell('  =cmd')).toBe("'  =cmd");
    expect(guardCell('Đắc nhân tâm; =HYPERLINK("x")')).toBe('Đắc nhân tâm; \'=HYPERLINK("x")');
    expect(guardCell('a,+b\t-c|@d')).toBe("a,'+b\t'-c|'@d");
    expect(guardCell('Truyện Kiều - Nguyễn Du')).toBe('Truyện Kiều - Nguyễn Du');
  });

  it('writes UTF-8 with BOM and CRLF that parses back to the same (guarded) cells', () => {
    const csv = requestsCsv(
      ['Sách', 'Số lần'],
      [
        ['Dế Mèn, "phiêu lưu"', 3],
        ['=x', 0],
      ],
    );
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv).toContain('\r\n');
    expect(parse(csv, { bom: true })).toEqual([
      ['Sách', 'Số lần'],
      ['Dế Mèn, "phiêu lưu"', '3'],
      ["'=x", '0'],
    ]);
  });
});
