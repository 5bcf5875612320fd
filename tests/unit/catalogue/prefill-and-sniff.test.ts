import { describe, expect, it } from 'vitest';
import { prefillFromPdf } from '../../../src/features/catalogue/ingest/prefill.ts';
import { sniff } from '../../../src/features/catalogue/ingest/upload-storage.ts';

const meta = {
  title: 'Việt Nam - Một thiên lịch sử',
  author: 'Nguyễn Khắc Viện',
  subject: 'Lịch sử Việt Nam',
  keywords: 'lịch sử, Việt Nam',
  language: 'vi-VN',
};

describe('pre-filling metadata from the PDF', () => {
  it('fills every field nobody set', () => {
    const { change, authors } = prefillFromPdf({ edited_fields: [], description: '', tags: [] }, false, meta);
    expect(change).toEqual({ title: meta.title, description: 'Lịch sử Việt Nam', tags: ['lịch sử', 'Việt Nam'], language: 'vi' });
    expect(authors).toEqual(['Nguyễn Khắc Viện']);
  });

  it('never overwrites what a librarian or a manifest set', () => {
    const { change, authors } = prefillFromPdf({ edited_fields: ['title', 'authors', 'language'], description: '', tags: [] }, true, meta);
    expect(change.title).toBeUndefined();
    expect(change.language).toBeUndefined();
    expect(authors).toBeNull();
    expect(change.description).toBe('Lịch sử Việt Nam');
  });

  it('ignores placeholder titles', () => {
    const { change } = prefillFromPdf({ edited_fields: [], description: '', tags: [] }, false, {
      title: 'Microsoft Word - sach1.doc',
      author: null,
      subject: null,
      keywords: null,
      language: null,
    });
    expect(change).toEqual({});
  });
});

describe('recognising files by their bytes', () => {
  it('finds the PDF header within the first KiB, and not by name', () => {
    expect(sniff(Buffer.from('%PDF-1.7\n'))).toBe('pdf');
    expect(sniff(Buffer.concat([Buffer.alloc(100, 0x20), Buffer.from('%PDF-1.4')]))).toBe('pdf');
    expect(sniff(Buffer.from('PK\u0003\u0004rest', 'latin1'))).toBe('zip');
    // A ZIP whose first entry is a stored PDF still is a ZIP.
    expect(sniff(Buffer.from('PK\u0003\u0004....%PDF-1.4', 'latin1'))).toBe('zip');
    expect(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniff(Buffer.from('<html>%PD'))).toBeNull();
    expect(sniff(Buffer.alloc(0))).toBeNull();
  });
});
