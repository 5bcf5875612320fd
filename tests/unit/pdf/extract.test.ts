import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdfRejectedError } from '../../../src/pdf/errors.ts';
import { extractPdf, type PageInfo } from '../../../src/pdf/extract-pdf.ts';
import { validatePdfFile } from '../../../src/pdf/inspect-pdf.ts';
import { garbagePdfBytes, makePdf, notPdfBytes, truncated, VIETNAMESE_BOOK, writeFixture } from '../../helpers/make-pdf.ts';

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-pdf-'));
  const book = await makePdf(VIETNAMESE_BOOK);
  files.book = await writeFixture(dir, 'book.pdf', book);
  files.locked = await writeFixture(dir, 'locked.pdf', await makePdf({ ...VIETNAMESE_BOOK, userPassword: 'mật khẩu' }));
  files.ownerOnly = await writeFixture(dir, 'owner-only.pdf', await makePdf({ ...VIETNAMESE_BOOK, ownerPassword: 'chủ sở hữu' }));
  files.xmpLang = await writeFixture(dir, 'xmp.pdf', await makePdf({ pages: [{ text: ['Xin chào'] }], xmpLanguage: 'vi-VN' }));
  files.empty = await writeFixture(dir, 'empty.pdf', Buffer.alloc(0));
  files.png = await writeFixture(dir, 'picture.pdf', notPdfBytes());
  files.text = await writeFixture(dir, 'notes.pdf', 'Đây không phải là PDF.\n');
  files.truncated = await writeFixture(dir, 'truncated.pdf', truncated(book, 0.2));
  files.garbage = await writeFixture(dir, 'garbage.pdf', garbagePdfBytes());
  // Junk before the header is allowed (within 1024 bytes), as in mail-mangled files.
  files.prefixed = await writeFixture(dir, 'prefixed.bin', Buffer.concat([Buffer.alloc(300, 0x20), book]));
  files.named = await writeFixture(
    dir,
    'named.pdf',
    await makePdf({
      pages: [{ text: ['Một'] }, { text: ['Hai'] }, { text: ['Ba'] }],
      outline: [
        { title: 'Chương ba (tên đích)', page: 3, dest: 'named' },
        { title: 'Đích hỏng', page: 2, dest: 'missing' },
        { title: 'Chương hai', page: 2 },
      ],
    }),
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function rejectionOf(promise: Promise<unknown>): Promise<PdfRejectedError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PdfRejectedError);
  return err as PdfRejectedError;
}

describe('validatePdfFile', () => {
  it('returns the page count and metadata', async () => {
    await expect(validatePdfFile(files.book)).resolves.toEqual({
      numPages: 7,
      metadata: {
        title: 'Tuyển tập văn học Việt Nam',
        author: 'Nguyễn Văn Đức',
        subject: 'Văn học thiếu nhi và lịch sử',
        keywords: 'văn học, lịch sử, Đoàn Thanh niên',
        language: 'vi',
      },
    });
  });

  it('reads the language from XMP when the catalog has no /Lang, and gives null for the rest', async () => {
    const { metadata } = await validatePdfFile(files.xmpLang);
    expect(metadata).toEqual({ title: null, author: null, subject: null, keywords: null, language: 'vi-VN' });
  });

  it('accepts an encrypted PDF that opens with the empty user password', async () => {
    expect((await validatePdfFile(files.ownerOnly)).numPages).toBe(7);
  });

  it('finds the header by content, not by file name', async () => {
    expect((await validatePdfFile(files.prefixed)).numPages).toBe(7);
  });

  it.each([
    ['empty', 'empty'],
    ['png', 'not_pdf'],
    ['text', 'not_pdf'],
    ['locked', 'password_protected'],
    ['garbage', 'corrupt'],
    ['truncated', 'corrupt'],
  ] as const)('rejects %s as %s', async (name, code) => {
    const err = await rejectionOf(validatePdfFile(files[name]));
    expect(err.code).toBe(code);
    expect(err.detail.length).toBeGreaterThan(0);
  });

  it("lets I/O errors through untouched (a missing file is not the uploader's fault)", async () => {
    await expect(validatePdfFile(path.join(dir, 'nope.pdf'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('extractPdf', () => {
  it('streams every page in order with its Unicode text', async () => {
    const pages: Array<{ n: number; text: string; info: PageInfo }> = [];
    const summary = await extractPdf(files.book, {
      onPage: async (n, text, info) => {
        await new Promise((r) => setTimeout(r, 1)); // an async consumer, like a database insert
        pages.push({ n, text, info });
      },
    });
    expect(pages.map((p) => p.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(pages[0].text).toBe('Dế Mèn phiêu lưu ký\nTô Hoài\nTôi sống độc lập từ thuở bé.');
    expect(pages[1].text).toContain('Đại Việt sử ký toàn thư');
    expect(pages[3].text).toContain('Lão Hạc');
    expect(pages[3].text).toContain('Chao ôi! Đối với những người ở quanh ta…');
    expect(pages[5].text).toContain('Tư tưởng Hồ Chí Minh');
    for (const p of pages) expect(p.text).toBe(p.text.normalize('NFC'));

    expect(summary.numPages).toBe(7);
    // drawing, raster image and blank pages have no text
    expect(summary.textlessPages).toEqual([3, 5, 7]);
    expect(pages[2].info).toMatchObject({ textless: true, failed: false, converted: false });
    expect(summary.mojibakePages).toEqual([]);
    expect(summary.legacyEncoding).toBeNull();
    expect(summary.failedPages).toEqual([]);
    expect(summary.metadata.title).toBe('Tuyển tập văn học Việt Nam');
  });

  it('returns the nested outline with target pages', async () => {
    const { outline, outlineCount } = await extractPdf(files.book, { onPage: () => {} });
    expect(outlineCount).toBe(7);
    expect(outline).toEqual([
      {
        title: 'Phần I: Văn học',
        pageNumber: 1,
        children: [
          { title: 'Dế Mèn phiêu lưu ký', pageNumber: 1, children: [] },
          { title: 'Lão Hạc', pageNumber: 4, children: [{ title: 'Hình minh hoạ', pageNumber: 5, children: [] }] },
        ],
      },
      { title: 'Phần II: Lịch sử', pageNumber: 2, children: [{ title: 'Đại Việt sử ký toàn thư', pageNumber: 2, children: [] }] },
      { title: 'Phần III: Tư tưởng Hồ Chí Minh', pageNumber: 6, children: [] },
    ]);
  });

  it('resolves named destinations, and a broken entry only loses its page number', async () => {
    const { outline } = await extractPdf(files.named, { onPage: () => {} });
    expect(outline.map((n) => [n.title, n.pageNumber])).toEqual([
      ['Chương ba (tên đích)', 3],
      ['Đích hỏng', null],
      ['Chương hai', 2],
    ]);
  });

  it('rejects like validatePdfFile', async () => {
    expect((await rejectionOf(extractPdf(files.locked, { onPage: () => {} }))).code).toBe('password_protected');
    expect((await rejectionOf(extractPdf(files.empty, { onPage: () => {} }))).code).toBe('empty');
    expect((await rejectionOf(extractPdf(files.png, { onPage: () => {} }))).code).toBe('not_pdf');
  });

  it('stops when onPage throws, and when aborted', async () => {
    let calls = 0;
    await expect(
      extractPdf(files.book, {
        onPage: () => {
          if (++calls === 2) throw new Error('database is down');
        },
      }),
    ).rejects.toThrow('database is down');
    expect(calls).toBe(2);

    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      extractPdf(files.book, {
        signal: controller.signal,
        onPage: (n) => {
          seen.push(n);
          if (n === 3) controller.abort(new Error('upload cancelled'));
        },
      }),
    ).rejects.toThrow('upload cancelled');
    expect(seen).toEqual([1, 2, 3]);
  });
});
