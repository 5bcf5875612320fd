import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { coverKeys } from '../../../src/features/catalogue/books/covers.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { gradientPng, makePdf } from '../../helpers/make-pdf.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';
import { CORPUS, corpusFile, storageState, vietnameseBook } from './pdf-fixtures.ts';
import { drainJobs } from './support.ts';

/**
 * Upload through HTTP: drafts appear at once, ingest fills them in the background, and every
 * refused file (wrong bytes, empty, corrupt, password, too large) leaves nothing behind.
 */
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };

beforeAll(async () => {
  env = await createTestEnv({ env: { UPLOAD_MAX_MB: '1' } });
  registerCatalogueJobs(env.ctx);
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(() => env.cleanup());

const upload = (files: Array<{ name: string; data: Buffer }>, json = false) => {
  let req = librarian.agent.post(`/admin/books/upload`).field('_csrf', librarian.csrf);
  if (json) req = req.set('Accept', 'application/json');
  for (const f of files) req = req.attach('files', f.data, { filename: f.name, contentType: 'application/pdf' });
  return req;
};

async function expectNothingLeft(before: Awaited<ReturnType<typeof storageState>>): Promise<void> {
  expect(await storageState(env.ctx)).toEqual(before);
}

describe('uploading PDFs', () => {
  it('makes a draft per file at once and ingests them in the background', async () => {
    const a = await vietnameseBook({ title: 'Dế Mèn phiêu lưu ký', author: 'Tô Hoài', pages: 5 });
    const b = tinyPdf({
      pages: ['One', 'Two', 'Three'],
      outline: [{ title: 'Chương 1', page: 1, children: [{ title: 'Mục 1.1', page: 2 }] }],
    });
    const res = await upload([
      { name: 'de-men.pdf', data: a.pdf },
      { name: 'Sách thứ hai.pdf', data: b },
    ]).expect(200);
    expect(res.text.match(/<li class="result-created">/g)).toHaveLength(2);
    expect(res.text).toContain('Sách thứ hai.pdf'); // UTF-8 file name kept
    const list = await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 10, offset: 0 });
    expect(list.total).toBe(2);
    expect(list.rows.every((r) => r.status === 'draft' && r.ingest_status === 'queued')).toBe(true);

    await drainJobs(env.ctx);
    const deMen = (await env.ctx.repos.books.findBySha256(a.sha256))!;
    const book = (await env.ctx.repos.books.findById(deMen.bookId))!;
    expect(book).toMatchObject({
      ingest_status: 'indexed',
      page_count: 5,
      title: 'Dế Mèn phiêu lưu ký',
      has_cover: true,
      needs_ocr: false,
    });
    expect((await env.ctx.repos.books.authorsOf(book.id)).map((x) => x.name)).toEqual(['Tô Hoài']);
    expect(book.outline).toEqual(a.outline);
    const page2 = await env.ctx.repos.bookPages.find(book.id, 2);
    expect(page2?.text).toContain(a.pageTexts[1].slice(0, 20));
    for (const w of [200, 400] as const)
      for (const f of ['webp', 'jpg'] as const) expect(await env.ctx.storage.exists('covers', coverKeys.file(book.id, w, f))).toBe(true);

    const other = (await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, q: 'thứ hai', limit: 5, offset: 0 })).rows[0];
    const second = (await env.ctx.repos.books.findById(other.id))!;
    expect(second.outline).toEqual([{ title: 'Chương 1', pageNumber: 1, children: [{ title: 'Mục 1.1', pageNumber: 2, children: [] }] }]);
    const pageHtml = await librarian.agent.get(`/admin/books/${book.id}`).expect(200);
    expect(pageHtml.text).toContain('Đã xử lý xong');
  });

  it('answers one file at a time as JSON (the progress-bar script) and links a duplicate to its book', async () => {
    const pdf = tinyPdf({ pages: ['Trùng lặp'] });
    const first = await upload([{ name: 'mot.pdf', data: pdf }], true).expect(200);
    expect(first.body.results[0]).toMatchObject({ kind: 'created', name: 'mot.pdf' });
    const before = await storageState(env.ctx);
    const again = await upload([{ name: 'ten-khac.pdf', data: pdf }], true).expect(200);
    expect(again.body.results[0]).toMatchObject({
      kind: 'duplicate',
      bookId: first.body.results[0].bookId,
      url: `/admin/books/${first.body.results[0].bookId}`,
    });
    await expectNothingLeft(before);
  });

  it.each([
    ['not a PDF (bytes, not the name)', 'bai-tho.pdf', () => Buffer.from('<html>Không phải PDF</html>'), 'Đây không phải tệp PDF'],
    ['empty', 'rong.pdf', () => Buffer.alloc(0), 'Tệp rỗng'],
    ['corrupt', 'hong.pdf', () => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3000, 0x41)]), 'bị hỏng'],
  ])('rejects a file that is %s and leaves nothing behind', async (_label, name, make, message) => {
    const before = await storageState(env.ctx);
    const res = await upload([{ name, data: make() }]).expect(422);
    expect(res.text).toContain(message);
    await expectNothingLeft(before);
  });

  it('rejects a file over the size limit naming it, and keeps nothing of the request', async () => {
    const before = await storageState(env.ctx);
    const big = tinyPdf({ pages: ['x', 'y'], padBytesPerPage: 700 * 1024 });
    const res = await upload(
      [
        { name: 'nho.pdf', data: tinyPdf({ pages: ['nhỏ'] }) },
        { name: 'qua-lon.pdf', data: big },
      ],
      true,
    ).expect(413);
    expect(res.body.error.message).toContain('qua-lon.pdf');
    expect(res.body.error.message).toContain('1 MB');
    await expectNothingLeft(before);
  });

  it('rejects password-protected PDFs and accepts encrypted ones that open without a password', async (t) => {
    if (!CORPUS) return t.skip();
    const before = await storageState(env.ctx);
    const locked = await upload([{ name: 'khoa.pdf', data: await fs.readFile(corpusFile('pdfjs/issue6010_1.pdf')) }], true).expect(422);
    expect(locked.body.results[0].reason).toContain('mật khẩu');
    const nonAscii = await upload([{ name: 'khoa2.pdf', data: await fs.readFile(corpusFile('pdfjs/issue21579.pdf')) }], true).expect(422);
    expect(nonAscii.body.results[0].reason).toContain('mật khẩu');
    await expectNothingLeft(before);
    const open = await upload([{ name: 'mo.pdf', data: await fs.readFile(corpusFile('pdfjs/issue7665.pdf')) }], true).expect(200);
    expect(open.body.results[0].kind).toBe('created');
  });

  it('rejects a generated password-protected PDF; an owner-password-only PDF opens and is accepted', async () => {
    const before = await storageState(env.ctx);
    const locked = await makePdf({ pages: [{ text: ['Bí mật'] }], userPassword: 'mật-khẩu', ownerPassword: 'chủ' });
    const res = await upload([{ name: 'co-mat-khau.pdf', data: locked }], true).expect(422);
    expect(res.body.results[0].reason).toBe('Tệp PDF được bảo vệ bằng mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại.');
    await expectNothingLeft(before);
    const ownerOnly = await makePdf({ pages: [{ text: ['Chỉ khóa quyền in'] }], ownerPassword: 'chủ' });
    const ok = await upload([{ name: 'khoa-quyen.pdf', data: ownerOnly }], true).expect(200);
    expect(ok.body.results[0].kind).toBe('created');
    await drainJobs(env.ctx);
    const text = await env.ctx.repos.bookPages.find(ok.body.results[0].bookId, 1);
    expect(text?.text).toContain('Chỉ khóa quyền in');
  });

  it('flags a scanned book (no text layer) as needing OCR and still ingests it', async () => {
    const scan = await makePdf({ info: { title: 'Sách scan' }, pages: [{ raster: true }, { raster: true }, { raster: true }] });
    const res = await upload([{ name: 'scan.pdf', data: scan }], true).expect(200);
    await drainJobs(env.ctx);
    const book = (await env.ctx.repos.books.findById(res.body.results[0].bookId))!;
    expect(book).toMatchObject({
      ingest_status: 'indexed',
      page_count: 3,
      needs_ocr: true,
      textless_pages: [1, 2, 3],
      title: 'Sách scan',
      has_cover: true,
    });
    const page = await librarian.agent.get(`/admin/books/${book.id}`).expect(200);
    expect(page.text).toContain('Cần OCR');
  });

  it('replaces the cover with an uploaded image (checked by its bytes) and keeps it over a re-ingest', async () => {
    const pdf = await makePdf({ pages: [{ text: ['Bìa mới'] }] });
    const res = await upload([{ name: 'bia.pdf', data: pdf }], true).expect(200);
    const id: number = res.body.results[0].bookId;
    await drainJobs(env.ctx);
    const version = (await env.ctx.repos.books.findById(id))!.cover_version;
    const coverUrl = `/admin/books/${id}/cover`;
    await librarian.agent.post(coverUrl).field('_csrf', librarian.csrf).attach('cover', Buffer.from('not an image'), 'anh.png').expect(303);
    expect((await librarian.agent.get(`/admin/books/${id}`)).text).toContain('không phải ảnh JPEG, PNG hay WebP');
    await librarian.agent.post(coverUrl).field('_csrf', librarian.csrf).attach('cover', gradientPng(300, 450), 'anh.png').expect(303);
    const after = (await env.ctx.repos.books.findById(id))!;
    expect(after).toMatchObject({ has_cover: true, cover_custom: true, cover_version: version + 1 });
    const img = await librarian.agent.get(`/admin/books/${id}/cover-400.jpg`).expect(200);
    expect(img.headers['content-type']).toBe('image/jpeg');
    await env.ctx.services.books.reingest(id);
    await drainJobs(env.ctx);
    expect((await env.ctx.repos.books.findById(id))!).toMatchObject({
      cover_custom: true,
      cover_version: version + 1,
      ingest_status: 'indexed',
    });
  });

  it('imports a ZIP of PDFs with a books.csv manifest', async () => {
    const { zipOf } = await import('./pdf-fixtures.ts');
    const lao = await vietnameseBook({ title: 'Không tên', pages: 2 });
    const zip = await zipOf([
      { name: 'sach/lao-hac.pdf', data: lao.pdf },
      { name: 'sach/khong-phai.pdf', data: Buffer.from('hello') },
      {
        name: 'books.csv',
        data: Buffer.from('file,title,authors,categories,year\nsach/lao-hac.pdf,Lão Hạc,Nam Cao,Văn học Việt Nam,1943\n'),
      },
    ]);
    const res = await librarian.agent
      .post(`/admin/books/import-zip`)
      .field('_csrf', librarian.csrf)
      .set('Accept', 'application/json')
      .attach('zip', zip, 'nhap.zip');
    // The import runs as a job (zip-import.service.ts); the answer points at its progress.
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await drainJobs(env.ctx);
    const progress = await librarian.agent.get(res.body.import.url).set('Accept', 'application/json').expect(200);
    expect(progress.body.import.status).toBe('done');
    const byName = Object.fromEntries(progress.body.import.results.map((r: { name: string }) => [r.name, r]));
    expect(byName['sach/lao-hac.pdf']).toMatchObject({ kind: 'created', title: 'Lão Hạc' });
    expect(byName['sach/khong-phai.pdf'].kind).toBe('rejected');
    const id = byName['sach/lao-hac.pdf'].bookId;
    const book = (await env.ctx.repos.books.findById(id))!;
    // The manifest wins over the PDF's own title; the year comes from the manifest.
    expect(book).toMatchObject({ title: 'Lão Hạc', publication_year: 1943, ingest_status: 'indexed' });
    expect((await env.ctx.repos.books.authorsOf(id)).map((a) => a.name)).toEqual(['Nam Cao']);
    expect((await env.ctx.repos.books.categoriesOf(id)).map((c) => c.slug)).toEqual(['van-hoc-viet-nam']);
  });

  it('keeps tmp empty after all of the above', async () => {
    const tmp = await fs.readdir(path.join(env.config.storageDir, 'tmp')).catch(() => []);
    expect(tmp).toEqual([]);
  });
});
