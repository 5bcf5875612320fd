import { describe, expect, it } from 'vitest';
import { importErrorText, outcomeView, storedImportError } from '../../../src/features/catalogue/ingest/import-text.ts';
import { translator } from '../../../src/http/i18n/index.ts';

/** ZIP imports store codes and translate them when shown; rows stored before that hold sentences. */
const vi = translator('vi');
const en = translator('en');

describe('import results in words', () => {
  it('translates a stored failure in the language of whoever reads it', () => {
    const stored = storedImportError([{ key: 'catalogue.import.badZip' }, { text: 'EIO: i/o error' }]);
    expect(importErrorText(stored, vi)).toBe(`${vi('catalogue.import.badZip')} EIO: i/o error`);
    expect(importErrorText(stored, en)).toBe(`${en('catalogue.import.badZip')} EIO: i/o error`);
    expect(importErrorText(stored, en)).not.toBe(importErrorText(stored, vi));
  });

  it('shows older rows, which hold the sentence itself, as they were stored', () => {
    expect(importErrorText('Không đọc được tệp ZIP.', en)).toBe('Không đọc được tệp ZIP.');
    expect(importErrorText('{not json', vi)).toBe('{not json');
    expect(importErrorText('{"other":1}', vi)).toBe('{"other":1}');
    expect(importErrorText(null, vi)).toBeNull();
    expect(outcomeView({ name: 'a.pdf', kind: 'failed', reason: 'Lý do cũ.' }, en).reason).toBe('Lý do cũ.');
  });

  it('translates a file problem with its data; a key this version does not know is shown as it is', () => {
    const o = outcomeView({ name: 'a.pdf', kind: 'rejected', problem: { key: 'catalogue.reject.tooLarge', params: { max: 20 } } }, vi);
    expect(o).toEqual({
      name: 'a.pdf',
      kind: 'rejected',
      bookId: undefined,
      title: undefined,
      reason: vi('catalogue.reject.tooLarge', { max: 20 }),
    });
    expect(o.reason).toContain('20');
    expect(outcomeView({ name: 'b.pdf', kind: 'failed', problem: { key: 'catalogue.gone.key' } }, vi).reason).toBe('catalogue.gone.key');
  });
});
