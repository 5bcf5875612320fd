import { describe, expect, it } from 'vitest';
import { imageDimensions } from '../../../src/pdf/cover-image.ts';
import { toBookDocument, toPageDocuments } from '../../../src/features/search/search-documents.ts';
import { gradientPng } from '../../helpers/make-pdf.ts';

const entry = {
  book: {
    id: 7,
    title: 'Truyện Kiều'.normalize('NFD'),
    description: '',
    language: 'vi',
    publication_year: 1820,
    tags: ['thơ'],
    published_at: new Date('2026-01-02T03:04:05Z'),
    page_count: 3,
    has_cover: true,
    cover_version: 2,
    needs_ocr: false,
  },
  authors: [{ name: 'Nguyễn Du', slug: 'nguyen-du' }],
  // Library 3 owns it; library 5 shelved it and filed it under its own "lich-su".
  categories: [
    { name: 'Văn học Việt Nam', slug: 'van-hoc-viet-nam', libraryId: 3 },
    { name: 'Lịch sử', slug: 'lich-su', libraryId: 5 },
  ],
  libraryIds: [3, 5],
};

describe('search documents', () => {
  it('builds the books document of the contract, in NFC', () => {
    expect(toBookDocument(entry)).toEqual({
      id: 7,
      title: 'Truyện Kiều',
      authors: ['Nguyễn Du'],
      authorSlugs: ['nguyen-du'],
      description: '',
      categories: ['Văn học Việt Nam', 'Lịch sử'],
      categoryKeys: ['3:van-hoc-viet-nam', '5:lich-su'],
      categoryLinks: [
        { libraryId: 3, slug: 'van-hoc-viet-nam', name: 'Văn học Việt Nam' },
        { libraryId: 5, slug: 'lich-su', name: 'Lịch sử' },
      ],
      tags: ['thơ'],
      year: 1820,
      language: 'vi',
      publishedAt: Date.parse('2026-01-02T03:04:05Z'),
      pageCount: 3,
      hasCover: true,
      coverVersion: 2,
      needsOcr: false,
      library_ids: [3, 5],
    });
  });

  it('makes one document per page with text, skipping empty (scanned) pages', () => {
    const docs = toPageDocuments(entry, [
      { page_number: 1, text: 'Trăm năm' },
      { page_number: 2, text: '  \n ' },
      { page_number: 3, text: 'chữ tài' },
    ]);
    expect(docs.map((d) => d.id)).toEqual(['7-1', '7-3']);
    expect(docs[0]).toEqual({
      id: '7-1',
      bookId: 7,
      pageNumber: 1,
      text: 'Trăm năm',
      display: 'Trăm năm',
      title: 'Truyện Kiều',
      categoryKeys: ['3:van-hoc-viet-nam', '5:lich-su'],
      language: 'vi',
      library_ids: [3, 5],
    });
  });
});

describe('image headers', () => {
  it('reads PNG dimensions without decoding, and refuses what it does not understand', () => {
    expect(imageDimensions(gradientPng(300, 450))).toEqual({ width: 300, height: 450 });
    expect(imageDimensions(Buffer.from('GIF89a....'))).toBeNull();
  });

  it('reads JPEG frame dimensions', () => {
    // SOI, APP0 (length 16), SOF0 with height 0x0120 (288) and width 0x0200 (512).
    const jpeg = Buffer.from([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0x00,
      0x10,
      ...Array(14).fill(0),
      0xff,
      0xc0,
      0x00,
      0x11,
      0x08,
      0x01,
      0x20,
      0x02,
      0x00,
      0x03,
      ...Array(9).fill(0),
    ]);
    expect(imageDimensions(jpeg)).toEqual({ width: 512, height: 288 });
  });
});
