import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makePdf } from '../../helpers/make-pdf.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { countDocs, searchPages } from './support.ts';

/**
 * `npm run import` as a librarian runs it: a real child process against the test database and
 * Meilisearch, with a manifest, --publish, a bad file, then a resumed re-run.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let env: TestEnv;
let folder: string;

beforeAll(async () => {
  env = await createTestEnv();
  folder = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-import-'));
  const book = (title: string, author: string, text: string) =>
    makePdf({
      lang: 'vi',
      info: { title, author },
      pages: [{ text: [text] }, { text: ['Trang hai của ' + title] }],
      outline: [{ title: 'Mở đầu', page: 1 }],
    });
  await fs.mkdir(path.join(folder, 'lich-su'));
  await fs.writeFile(
    path.join(folder, 'lich-su', 'dai-viet.pdf'),
    await book('Đại Việt sử ký', 'Ngô Sĩ Liên', 'Họ Hồng Bàng, Kinh Dương Vương húy là Lộc Tục.'),
  );
  await fs.writeFile(
    path.join(folder, 'lao-hac.pdf'),
    await book('Lão Hạc', 'Nam Cao', 'Chao ôi! Đối với những người ở quanh ta, nếu ta không cố mà tìm hiểu họ.'),
  );
  await fs.writeFile(path.join(folder, 'khong-ten.pdf'), await book('Tiêu đề trong PDF', 'Tác giả trong PDF', 'Cánh đồng lúa chín vàng.'));
  await fs.writeFile(path.join(folder, 'hong.pdf'), 'đây không phải PDF');
  await fs.writeFile(
    path.join(folder, 'books.csv'),
    // The consent feature's columns (basis, rights holder…) let --publish pass the publishing gate.
    '\uFEFFfile,title,authors,categories,year,language,description,basis,basis_note,rights_holder,rights_holder_kind,consent_date\n' +
      'lich-su/dai-viet.pdf,Đại Việt sử ký toàn thư,"Ngô Sĩ Liên; Lê Văn Hưu",Lịch sử,1697,vi,Bộ quốc sử,public-domain,Tác phẩm thế kỷ XV,,,\n' +
      'lao-hac.pdf,,,Văn học Việt Nam;thieu-nhi,1943,,,consent,,Gia đình nhà văn Nam Cao,heir,01/01/2024\n',
  );
});
afterAll(async () => {
  await env.cleanup();
  await fs.rm(folder, { recursive: true, force: true });
});

function runImport(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: env.databaseUrl,
      MEILI_URL: inject('meiliUrl'),
      MEILI_MASTER_KEY: inject('meiliMasterKey'),
      SEARCH_INDEX_PREFIX: env.config.search.indexPrefix,
      STORAGE_DIR: env.config.storageDir,
      LOG_LEVEL: 'silent',
      JOBS_POLL_MS: '100',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe('npm run import', () => {
  it('refuses a manifest with unknown columns, naming them, before importing anything', async () => {
    const bad = path.join(folder, '..', `bad-${path.basename(folder)}.csv`);
    await fs.writeFile(bad, 'file,tittle,isbn\nlao-hac.pdf,x,y\n');
    const r = await runImport([folder, '--manifest', bad]);
    await fs.rm(bad);
    expect(r.code).toBe(65);
    expect(r.out).toContain('Dòng 1, cột B: cột “tittle” không hợp lệ');
    expect(r.out).toContain('Dòng 1, cột C: cột “isbn” không hợp lệ');
    expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 5, offset: 0 })).total).toBe(0);
  }, 120_000);

  it('refuses a manifest that is not UTF-8, naming the file and line', async () => {
    const bad = path.join(folder, '..', `latin1-${path.basename(folder)}.csv`);
    await fs.writeFile(bad, Buffer.from('file,title\nlao-hac.pdf,L\xe3o H\xe1c\n', 'latin1'));
    const r = await runImport([folder, '--manifest', bad]);
    await fs.rm(bad);
    expect(r.code).toBe(65);
    expect(r.out).toContain(`Tệp “${bad}” không phải văn bản UTF-8 (lỗi đầu tiên ở dòng 2)`);
    expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 5, offset: 0 })).total).toBe(0);
  }, 120_000);

  it('imports with the manifest, publishes, reports the failure and exits non-zero', async () => {
    const r = await runImport([folder, '--manifest', path.join(folder, 'books.csv'), '--publish']);
    expect(r.out).toContain('Tìm thấy 4 tệp PDF');
    expect(r.out).toContain('Kết quả: 3 sách mới, 0 tệp đã có (bỏ qua), 1 tệp lỗi.');
    // The book without rights information stays a draft, with the gate's reason in the summary.
    expect(r.out).toContain('Đã xuất bản 2 sách.');
    expect(r.out).toMatch(/Còn là bản nháp[^\n]*\n\s+- khong-ten\.pdf: Chưa thể xuất bản sách này\./);
    expect(r.out).toMatch(/hong\.pdf: Đây không phải tệp PDF/);
    expect(r.code).toBe(1);

    const list = (await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 10, offset: 0 })).rows;
    const byTitle = Object.fromEntries(list.map((b) => [b.title, b]));
    // Manifest values win; missing columns fall back to the PDF's own metadata.
    expect(Object.keys(byTitle).sort()).toEqual(['Lão Hạc', 'Tiêu đề trong PDF', 'Đại Việt sử ký toàn thư']);
    const daiViet = (await env.ctx.repos.books.findById(byTitle['Đại Việt sử ký toàn thư'].id))!;
    expect(daiViet).toMatchObject({
      status: 'published',
      publication_year: 1697,
      description: 'Bộ quốc sử',
      page_count: 2,
      index_pending: false,
    });
    expect((await env.ctx.repos.books.authorsOf(daiViet.id)).map((a) => a.name)).toEqual(['Ngô Sĩ Liên', 'Lê Văn Hưu']);
    const laoHac = byTitle['Lão Hạc'].id;
    expect((await env.ctx.repos.books.authorsOf(laoHac)).map((a) => a.name)).toEqual(['Nam Cao']);
    expect((await env.ctx.repos.books.categoriesOf(laoHac)).map((c) => c.slug).sort()).toEqual(['thieu-nhi', 'van-hoc-viet-nam']);
    expect((await env.ctx.repos.books.authorsOf(byTitle['Tiêu đề trong PDF'].id)).map((a) => a.name)).toEqual(['Tác giả trong PDF']);
    // Indexed by the import itself: a phrase without diacritics finds the page.
    expect((await searchPages(env.ctx, 'chao oi doi voi nhung nguoi o quanh ta'))[0]).toEqual({ bookId: laoHac, pageNumber: 1 });
    expect(await countDocs(env.ctx, 'books', 'id > 0')).toBe(2);
    expect((await env.ctx.repos.books.findById(byTitle['Tiêu đề trong PDF'].id))!.status).toBe('draft');
  }, 300_000);

  it('resumes: a re-run skips what is already imported and exits 0 once every file is in', async () => {
    await fs.rm(path.join(folder, 'hong.pdf'));
    const r = await runImport([folder, '--manifest', path.join(folder, 'books.csv'), '--publish']);
    expect(r.out).toContain('Kết quả: 0 sách mới, 3 tệp đã có (bỏ qua), 0 tệp lỗi.');
    expect(r.code).toBe(0);
    expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 10, offset: 0 })).total).toBe(3);
  }, 300_000);
});
