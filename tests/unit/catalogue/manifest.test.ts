import { describe, expect, it } from 'vitest';
import {
  columnLetter,
  decodeManifest,
  ManifestError,
  parseManifest,
  readManifest,
} from '../../../src/features/catalogue/ingest/manifest.ts';

const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ManifestError) return err.problems;
    throw err;
  }
  throw new Error('expected a ManifestError');
};

describe('import manifest', () => {
  it('parses a UTF-8 CSV with a BOM, quoted cells and ;-separated lists', () => {
    const csv =
      '\uFEFFfile,title,authors,categories,year,language,description\n' +
      'lao-hac.pdf,Lão Hạc,"Nam Cao; Tô Hoài",Văn học Việt Nam;thieu-nhi,1943,vi,"Truyện ngắn, hiện thực"\n' +
      'khac.pdf,,,,,,\n';
    const rows = parseManifest(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      line: 2,
      file: 'lao-hac.pdf',
      title: 'Lão Hạc',
      authors: ['Nam Cao', 'Tô Hoài'],
      categories: ['Văn học Việt Nam', 'thieu-nhi'],
      year: 1943,
      language: 'vi',
      description: 'Truyện ngắn, hiện thực',
    });
    expect(rows[0].editedFields.sort()).toEqual(['authors', 'categories', 'description', 'language', 'publication_year', 'title']);
    // Empty cells fall back to the PDF's metadata: nothing is marked as set.
    expect(rows[1].editedFields).toEqual([]);
    expect(rows[1].title).toBeUndefined();
  });

  it('accepts a subset of columns', () => {
    expect(parseManifest('file,title\na.pdf,A\n')[0]).toMatchObject({ file: 'a.pdf', title: 'A' });
  });

  it('names unknown columns with their letters', () => {
    const problems = problemsOf(() => parseManifest('file,tittle,isbn\na.pdf,x,y\n'));
    expect(problems.map((p) => [p.key, p.params.column, p.params.name])).toEqual([
      ['catalogue.manifest.unknownColumn', 'B', 'tittle'],
      ['catalogue.manifest.unknownColumn', 'C', 'isbn'],
    ]);
  });

  it('reports header and cell problems in one pass, each with line and column', () => {
    const { problems, rows } = readManifest('file,isbn,year,language\na.pdf,1,19x3,vietnamese\n,2,2000,vi\n');
    expect(problems.map((p) => [p.key, p.params.line ?? 1, p.params.column])).toEqual([
      ['catalogue.manifest.unknownColumn', 1, 'B'],
      ['catalogue.manifest.badYear', 2, 'C'],
      ['catalogue.manifest.badLanguage', 2, 'D'],
      ['catalogue.manifest.missingFile', 3, 'A'],
    ]);
    expect(rows).toHaveLength(2); // the rows were still read, past the unknown column
  });

  it('refuses a manifest that is not UTF-8, naming the file and the line', () => {
    const latin1 = Buffer.from('file,title\na.pdf,Tr\u1ea7n\nb.pdf,Tr\xf4ng Qu\xfdnh\n', 'latin1');
    const err = (() => {
      try {
        decodeManifest(latin1, 'nhap/books.csv');
      } catch (e) {
        return e as ManifestError;
      }
    })();
    expect(err?.problems).toEqual([{ key: 'catalogue.manifest.notUtf8', params: { file: 'nhap/books.csv', line: 2 } }]);
    expect(decodeManifest(Buffer.from('file,title\na.pdf,Trần\n'), 'books.csv')).toContain('Trần');
  });

  it('refuses a manifest over the size limit', () => {
    const problems = problemsOf(() => decodeManifest(Buffer.alloc(5 * 1024 * 1024 + 1, 0x41), 'books.csv'));
    expect(problems).toEqual([{ key: 'catalogue.manifest.tooLarge', params: { file: 'books.csv', max: 5 } }]);
  });

  it('names columns as a spreadsheet does', () => {
    expect([0, 1, 25, 26, 27].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB']);
  });

  it('accepts columns other features registered', () => {
    const rows = parseManifest('file,basis\na.pdf,public_domain\n', ['basis']);
    expect(rows[0].extra).toEqual({ basis: 'public_domain' });
  });

  it('reports every bad row at once', () => {
    const problems = problemsOf(() => parseManifest('file,year,language\na.pdf,19x3,vi\n,2000,vi\na.pdf,2000,vietnamese\n'));
    expect(problems.map((p) => p.key)).toEqual([
      'catalogue.manifest.badYear',
      'catalogue.manifest.missingFile',
      'catalogue.manifest.duplicateFile',
      'catalogue.manifest.badLanguage',
    ]);
  });

  it('requires the file column', () => {
    expect(problemsOf(() => parseManifest('title\nA\n'))[0].key).toBe('catalogue.manifest.noFileColumn');
  });
});
