import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest } from '../../../src/features/catalogue/ingest/manifest.ts';

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

  it('names unknown columns', () => {
    const problems = problemsOf(() => parseManifest('file,tittle,isbn\na.pdf,x,y\n'));
    expect(problems[0].key).toBe('catalogue.manifest.unknownColumns');
    expect(problems[0].params.columns).toBe('tittle, isbn');
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
    ]);
  });

  it('requires the file column', () => {
    expect(problemsOf(() => parseManifest('title\nA\n'))[0].key).toBe('catalogue.manifest.noFileColumn');
  });
});
