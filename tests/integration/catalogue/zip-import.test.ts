import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { tinyPdf } from '../../helpers/tiny-pdf.ts';
import { zipDeflated } from '../../helpers/zip-bombs.ts';
import { drainJobs } from './support.ts';

/**
 * ZIP imports: checked (limits, manifest) in the request, run as a durable job followed on a
 * progress page (POST → 303 → GET, no token in the address), and every manifest problem shown
 * at once with line and column. The ZIPs — bombs included — are generated here.
 */
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
const MiB = 1024 * 1024;

beforeAll(async () => {
  env = await createTestEnv({ env: { UPLOAD_MAX_MB: '20' } });
  registerCatalogueJobs(env.ctx);
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(() => env.cleanup());

const post = (zip: Buffer, json = false) => {
  let req = librarian.agent.post(`/admin/books/import-zip`).set('X-CSRF-Token', librarian.csrf);
  if (json) req = req.set('Accept', 'application/json');
  return req.attach('zip', zip, { filename: 'nhap.zip', contentType: 'application/zip' });
};
const tmpFiles = () => fs.readdir(path.join(env.config.storageDir, 'tmp')).catch(() => [] as string[]);
const importRows = () => env.ctx.db.selectFrom('book_imports').selectAll().execute();

describe('ZIP import as a job', () => {
  it('answers 303 to a progress page without any token; the page follows the job to its end; a refresh posts nothing', async () => {
    const zip = await zipDeflated([
      { name: 'sach/mot.pdf', data: tinyPdf({ title: 'Một', pages: ['Trang một'] }) },
      { name: 'sach/hai.pdf', data: tinyPdf({ title: 'Hai', pages: ['Trang hai'] }) },
      { name: 'books.csv', data: Buffer.from('file,title,year\nsach/mot.pdf,Sách Một,2001\n') },
    ]);
    const res = await post(zip).expect(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^\/admin\/books\/imports\/\d+$/);
    expect(location).not.toContain('csrf');

    const queued = await librarian.agent.get(location).expect(200);
    expect(queued.text).toContain('Đang chờ đến lượt xử lý');
    expect(queued.text).toContain('<meta http-equiv="refresh"');
    expect((await importRows()).length).toBe(1);

    await drainJobs(env.ctx);
    const done = await librarian.agent.get(location).expect(200);
    expect(done.text).toContain('Đã nhập xong: 2 tệp.');
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect(done.text).toContain('Sách Một');
    // Reloading the page (what a refresh after the redirect does) starts nothing new.
    await librarian.agent.get(location).expect(200);
    expect((await importRows()).length).toBe(1);
    const [row] = await importRows();
    expect(row).toMatchObject({ status: 'done', total: 2, done: 2 });
    expect(await env.ctx.storage.exists('imports', row.zip_key)).toBe(false); // the ZIP is removed once done
    expect(await tmpFiles()).toEqual([]);
  });

  it('resumes after the files an interrupted run already recorded, without doing them twice', async () => {
    const zip = await zipDeflated(
      ['mot', 'hai', 'ba'].map((n) => ({ name: `${n}.pdf`, data: tinyPdf({ title: `Tiếp tục ${n}`, pages: [`Trang ${n}`] }) })),
    );
    const res = await post(zip, true).expect(202);
    const id = Number(res.body.import.id);
    // As if a run had recorded mot.pdf and then died (kill -9) before the rest.
    await env.ctx.db
      .updateTable('book_imports')
      .set({ status: 'running', total: 3, done: 1, outcomes: JSON.stringify([{ name: 'mot.pdf', kind: 'failed', reason: 'trước' }]) })
      .where('id', '=', id)
      .execute();
    const booksBefore = (await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 100, offset: 0 })).total;
    await drainJobs(env.ctx);
    const row = (await importRows()).find((r) => r.id === id)!;
    expect(row).toMatchObject({ status: 'done', total: 3, done: 3 });
    expect(row.outcomes.map((o) => o.name)).toEqual(['mot.pdf', 'hai.pdf', 'ba.pdf']);
    expect((await env.ctx.repos.books.list({ libraryId: DEFAULT_LIBRARY_ID, limit: 100, offset: 0 })).total).toBe(booksBefore + 2);
  });

  it('stores why a file or the whole import failed as codes, shown in the language of whoever looks; older rows stay readable', async () => {
    const progress = async (url: string, lang: 'vi' | 'en') => {
      await librarian.agent.get(`/ngon-ngu/${lang}`).expect(303);
      return librarian.agent.get(url).set('Accept', 'application/json').expect(200);
    };
    try {
      // A file that is not a PDF: its outcome is stored as a message key, translated when shown.
      const res = await post(
        await zipDeflated([
          { name: 'khong-phai.pdf', data: Buffer.from('chỉ là chữ, không phải PDF') },
          { name: 'that.pdf', data: tinyPdf({ title: 'Sách thật', pages: ['Một trang'] }) },
        ]),
        true,
      ).expect(202);
      await drainJobs(env.ctx);
      const stored = (await importRows()).find((r) => r.id === Number(res.body.import.id))!;
      expect(stored.outcomes.find((o) => o.name === 'khong-phai.pdf')).toMatchObject({
        kind: 'rejected',
        problem: { key: 'catalogue.reject.notPdf' },
      });
      expect(stored.outcomes.map((o) => o.reason)).toEqual([undefined, undefined]); // no sentence is stored
      const reasonIn = async (lang: 'vi' | 'en') =>
        (await progress(res.body.import.url, lang)).body.import.results.find((r: { name: string }) => r.name === 'khong-phai.pdf').reason;
      expect(await reasonIn('vi')).toBe('Đây không phải tệp PDF (nội dung tệp không bắt đầu như một tệp PDF).');
      expect(await reasonIn('en')).toBe('This is not a PDF file (its content does not start like a PDF).');

      // The stored ZIP is damaged before the job opens it: the whole import fails, with a code.
      const broken = await post(await zipDeflated([{ name: 'a.pdf', data: tinyPdf({ pages: ['A'] }) }]), true).expect(202);
      const queued = (await importRows()).find((r) => r.id === Number(broken.body.import.id))!;
      await fs.writeFile(env.ctx.storage.path('imports', queued.zip_key), 'not a zip any more');
      await drainJobs(env.ctx);
      const failed = (await importRows()).find((r) => r.id === queued.id)!;
      expect(failed.status).toBe('failed');
      expect(JSON.parse(failed.error!)).toMatchObject({ problems: [{ key: 'catalogue.import.badZip' }] });
      expect((await progress(broken.body.import.url, 'en')).body.import.error).toBe(
        'The ZIP file cannot be read (damaged, or too many files inside).',
      );
      await librarian.agent.get('/ngon-ngu/vi').expect(303);
      const page = await librarian.agent.get(broken.body.import.url).expect(200);
      expect(page.text).toContain('Không nhập được tệp ZIP: Không đọc được tệp ZIP (hỏng hoặc quá nhiều tệp bên trong).');

      // A row recorded before codes: its sentences, as they were stored.
      const old = await env.ctx.db
        .insertInto('book_imports')
        .values({
          library_id: DEFAULT_LIBRARY_ID,
          original_name: 'cu.zip',
          zip_key: 'da-xoa.zip',
          lang: 'vi',
          status: 'failed',
          error: 'Câu lỗi cũ.',
          outcomes: JSON.stringify([{ name: 'cu.pdf', kind: 'failed', reason: 'Lý do cũ.' }]),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const oldPage = await librarian.agent.get(`/admin/books/imports/${old.id}`).expect(200);
      expect(oldPage.text).toContain('Không nhập được tệp ZIP: Câu lỗi cũ.');
      expect(oldPage.text).toContain('Lý do cũ.');
    } finally {
      await librarian.agent.get('/ngon-ngu/vi');
    }
  });

  it('lists every problem of books.csv in one answer, each with its line and column', async () => {
    const importsBefore = (await importRows()).length;
    const csv = [
      'file,titel,year,language,categories,allow_download,consent_date,rights_holder',
      'a.pdf,x,19x3,vietnamese,Không có thể loại này,perhaps,31/02/2025,Tô Hoài',
      ',y,2000,vi,,,,',
    ].join('\n');
    const zip = await zipDeflated([
      { name: 'a.pdf', data: tinyPdf({ pages: ['A'] }) },
      { name: 'books.csv', data: Buffer.from(csv) },
    ]);
    const res = await post(zip, true).expect(400);
    const problems = res.body.error.problems as string[];
    expect(problems).toEqual([
      expect.stringMatching(/^Dòng 1, cột B: cột “titel” không hợp lệ/),
      'Dòng 2, cột C (year): năm “19x3” không hợp lệ.',
      'Dòng 2, cột D (language): mã ngôn ngữ “vietnamese” không hợp lệ (ví dụ: vi, en).',
      'Dòng 2, cột E (categories): không có thể loại “Không có thể loại này”.',
      'Dòng 2, cột F (allow_download): cột allow_download "perhaps" phải là yes hoặc no',
      'Dòng 2, cột G (consent_date): ngày "31/02/2025" không hợp lệ (YYYY-MM-DD hoặc DD/MM/YYYY)',
      'Dòng 3, cột A (file): thiếu tên tệp.',
    ]);
    const html = await post(zip).expect(400);
    expect(html.text).toContain('Dòng 2, cột C (year)');
    expect(html.text).toContain('Dòng 3, cột A (file)');
    expect(await importRows()).toHaveLength(importsBefore); // nothing queued for this one
  });

  it('refuses a books.csv over 5 MB or not in UTF-8, naming the file', async () => {
    // Random text: a real CSV compresses a few times, not a thousand (the ZIP's ratio limit).
    const big = Buffer.from(`file,title\n${crypto.randomBytes(4 * MiB).toString('base64')}`);
    const tooBig = await post(await zipDeflated([{ name: 'goc/books.csv', data: big }]), true).expect(400);
    expect(tooBig.body.error.problems).toEqual(['Tệp “goc/books.csv” lớn hơn giới hạn 5 MB cho tệp danh mục.']);
    const latin1 = Buffer.from('file,title\na.pdf,Tr\xf4ng Qu\xfdnh\n', 'latin1');
    const notUtf8 = await post(await zipDeflated([{ name: 'books.csv', data: latin1 }]), true).expect(400);
    expect(notUtf8.body.error.problems[0]).toMatch(/^Tệp “books.csv” không phải văn bản UTF-8 \(lỗi đầu tiên ở dòng 2\)/);
  });

  it('shows every manifest column, consent columns included, in the ZIP hint', async () => {
    const page = await librarian.agent.get('/admin/books/new').expect(200);
    for (const c of ['file', 'title', 'year', 'basis', 'rights_holder', 'consent_date', 'allow_download']) expect(page.text).toContain(c);
  });
});

describe('ZIP bombs', () => {
  it('refuses a small ZIP of huge zero files from its central directory, extracting nothing', async () => {
    const zip = await zipDeflated([
      { name: 'a.pdf', size: 150 * MiB },
      { name: 'b.pdf', size: 150 * MiB },
      { name: 'c.pdf', size: 150 * MiB },
    ]);
    expect(zip.length).toBeLessThan(1 * MiB);
    const res = await post(zip, true).expect(400);
    expect(res.body.error.code).toBe('zip_ratio');
    expect(res.body.error.message).toContain('“a.pdf”');
    expect(await tmpFiles()).toEqual([]);
  });

  it('refuses more entries than the limit', async () => {
    const entries = Array.from({ length: 501 }, (_, i) => ({ name: `e${i}.txt`, data: Buffer.from('x') }));
    const res = await post(await zipDeflated(entries), true).expect(400);
    expect(res.body.error.code).toBe('zip_too_many');
  });

  it('stops an entry whose header lies about its size while it inflates; the rest of the ZIP is imported', async () => {
    const ok = tinyPdf({ title: 'Thật', pages: ['Sách thật'] });
    const liar = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(8 * MiB, 0x20)]);
    const res = await post(
      await zipDeflated([
        { name: 'noi-doi.pdf', data: liar, declaredSize: 1000 },
        { name: 'that.pdf', data: ok },
      ]),
      true,
    ).expect(202);
    await drainJobs(env.ctx);
    const progress = await librarian.agent.get(res.body.import.url).set('Accept', 'application/json').expect(200);
    const byName = Object.fromEntries(progress.body.import.results.map((r: { name: string }) => [r.name, r]));
    expect(progress.body.import.status).toBe('done');
    expect(byName['noi-doi.pdf'].kind).toBe('failed');
    expect(byName['that.pdf'].kind).toBe('created');
    expect(await tmpFiles()).toEqual([]);
  });
});
