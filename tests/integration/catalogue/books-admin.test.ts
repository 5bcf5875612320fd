import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import type { PublishGate } from '../../../src/features/catalogue/books/publish-gate.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { switchableGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, type TestEnv, DEFAULT_LIBRARY_ID } from '../../helpers/test-context.ts';
import { countDocs, drainJobs, searchBooks, seedPublishedBook } from './support.ts';

let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
const gate = switchableGate();

beforeAll(async () => {
  env = await createTestEnv({ publishGate: gate });
  registerCatalogueJobs(env.ctx);
  librarian = await signInAs(env.app, env.ctx, 'librarian');
});
afterAll(() => env.cleanup());

const form = (extra: Record<string, string | string[]>) => ({ _csrf: librarian.csrf, ...extra });
const flashOf = async (agent: Agent, url: string) => (await agent.get(url).expect(200)).text;

describe('book admin pages', () => {
  it('are for librarians and admins only', async () => {
    const leader = await signInAs(env.app, env.ctx, 'leader');
    await leader.agent.get('/admin/books').expect(403);
    await leader.agent.get('/admin/categories').expect(403);
    const anon = await request(env.app).get('/admin/books').expect(303);
    expect(anon.headers.location).toContain('/dang-nhap');
    const page = await librarian.agent.get('/admin/books').expect(200);
    expect(page.text).toContain('Sách trong thư viện');
    const admin = await librarian.agent.get('/admin').expect(200);
    expect(admin.text).toContain('href="/admin/books/new"');
  });

  it('edits metadata with validation (ISBN check digit, year) and keeps typed values', async () => {
    const id = await seedPublishedBook(env.ctx, { title: 'Bỉ vỏ', pages: ['Năm Sài Gòn.'] }, { publish: false });
    const bad = await librarian.agent
      .post(`/admin/books/${id}`)
      .type('form')
      .send(
        form({
          title: 'Bỉ vỏ (bản mới)',
          authors: 'Nguyên Hồng',
          language: 'vi',
          publicationYear: '1938',
          isbn: '978-0-306-40615-8',
          description: 'Tiểu thuyết',
        }),
      )
      .expect(400);
    expect(bad.text).toContain('ISBN không hợp lệ');
    expect(bad.text).toContain('value="Bỉ vỏ (bản mới)"');
    expect((await env.ctx.repos.books.findById(id))!.title).toBe('Bỉ vỏ');

    const [lichSu, vhvn] = await env.ctx.repos.categories.findByNamesOrSlugs(DEFAULT_LIBRARY_ID, ['lich-su', 'van-hoc-viet-nam']);
    await librarian.agent
      .post(`/admin/books/${id}`)
      .type('form')
      .send(
        form({
          title: 'Bỉ vỏ (bản mới)',
          authors: 'Nguyên Hồng; Tô Hoài',
          language: 'vi',
          publicationYear: '1938',
          isbn: '978-0-306-40615-7',
          description: 'Tiểu thuyết',
          categories: [String(lichSu.id), String(vhvn.id)],
          tags: 'hiện thực, Sài Gòn',
          publisher: 'NXB Văn học',
        }),
      )
      .expect(303);
    const book = (await env.ctx.repos.books.findById(id))!;
    expect(book).toMatchObject({
      title: 'Bỉ vỏ (bản mới)',
      isbn: '9780306406157',
      publication_year: 1938,
      publisher: 'NXB Văn học',
      tags: ['hiện thực', 'Sài Gòn'],
    });
    expect(book.edited_fields).toContain('title');
    expect((await env.ctx.repos.books.authorsOf(id)).map((a) => a.name)).toEqual(['Nguyên Hồng', 'Tô Hoài']);
    expect((await env.ctx.repos.books.categoriesOf(id)).map((c) => c.slug).sort()).toEqual(['lich-su', 'van-hoc-viet-nam']);
    const page = await flashOf(librarian.agent, `/admin/books/${id}`);
    expect(page).toContain('Đã lưu thông tin sách.');
  });

  it('publishes, withdraws promptly from both indexes (delay measured), and goes back to draft', async () => {
    const id = await seedPublishedBook(
      env.ctx,
      { title: 'Vợ nhặt', authors: ['Kim Lân'], pages: ['Cái đói đã tràn đến xóm này tự lúc nào.', 'Trang hai.'] },
      { publish: false },
    );
    await librarian.agent.post(`/admin/books/${id}/publish`).type('form').send(form({})).expect(303);
    await drainJobs(env.ctx);
    expect(await searchBooks(env.ctx, 'vo nhat kim lan')).toEqual([id]);
    expect(await countDocs(env.ctx, 'pages', `bookId = ${id}`)).toBe(2);

    const started = performance.now();
    await librarian.agent
      .post(`/admin/books/${id}/withdraw`)
      .type('form')
      .send(form({ reason: 'Tác giả yêu cầu' }))
      .expect(303);
    // No job runs here: the request itself removed the book from both indexes.
    expect(await countDocs(env.ctx, 'books', `id = ${id}`)).toBe(0);
    expect(await countDocs(env.ctx, 'pages', `bookId = ${id}`)).toBe(0);
    const delay = Math.round(performance.now() - started);
    console.log(`[measure] withdraw → gone from books and pages indexes: ${delay} ms (HTTP request included)`);
    const page = await flashOf(librarian.agent, `/admin/books/${id}`);
    expect(page).toMatch(/Đã gỡ sách; sách đã biến mất khỏi tìm kiếm sau \d+ ms\./);
    const book = (await env.ctx.repos.books.findById(id))!;
    expect(book.status).toBe('withdrawn');
    expect(book.index_pending).toBe(false);
    await drainJobs(env.ctx); // the backup outbox job is harmless
    expect(await countDocs(env.ctx, 'books', `id = ${id}`)).toBe(0);

    await librarian.agent.post(`/admin/books/${id}/draft`).type('form').send(form({})).expect(303);
    expect((await env.ctx.repos.books.findById(id))!.status).toBe('draft');
  });

  it('shows the publish gate’s reasons and refuses to publish', async () => {
    const id = await seedPublishedBook(env.ctx, { title: 'Sách chưa có đồng ý', pages: ['x'] }, { publish: false });
    const blocking: PublishGate = {
      check: async () => ({ allowed: false, problems: [{ code: 'no_consent', holder: 'Nguyễn Văn A' }], allowDownload: false }),
      describe: (problems) => problems.map((p) => `Chưa có giấy đồng ý của tác giả ${p.holder}.`),
    };
    gate.use(blocking);
    try {
      const page = await flashOf(librarian.agent, `/admin/books/${id}`);
      expect(page).toContain('Chưa có giấy đồng ý của tác giả Nguyễn Văn A.');
      await librarian.agent.post(`/admin/books/${id}/publish`).type('form').send(form({})).expect(303);
      expect(await flashOf(librarian.agent, `/admin/books/${id}`)).toContain('Chưa thể xuất bản sách này. Chưa có giấy đồng ý');
      expect((await env.ctx.repos.books.findById(id))!.status).toBe('draft');
    } finally {
      gate.reset();
    }
  });

  it('refuses to delete a published book; deletes a draft with its file, pages and index entries', async () => {
    const id = await seedPublishedBook(env.ctx, { title: 'Xóa thử', pages: ['một', 'hai'] });
    await drainJobs(env.ctx);
    const file = (await env.ctx.repos.books.findFile((await env.ctx.repos.books.findById(id))!.file_id))!;
    await env.ctx.storage.write('books', file.storage_key, '%PDF-1.4 fake');
    await librarian.agent.post(`/admin/books/${id}/delete`).type('form').send(form({})).expect(303);
    expect(await flashOf(librarian.agent, `/admin/books/${id}`)).toContain('Không thể xóa sách đang xuất bản');
    expect(await env.ctx.repos.books.findById(id)).toBeDefined();

    await env.ctx.services.books.withdraw(id, null);
    const del = await librarian.agent.post(`/admin/books/${id}/delete`).type('form').send(form({})).expect(303);
    expect(del.headers.location).toBe('/admin/books');
    expect(await env.ctx.repos.books.findById(id)).toBeUndefined();
    expect(await env.ctx.repos.books.findBySha256(file.sha256)).toBeUndefined();
    expect((await env.ctx.repos.bookPages.stats(id)).pages).toBe(0);
    expect(await env.ctx.storage.exists('books', file.storage_key)).toBe(false);
    await drainJobs(env.ctx);
    expect(await countDocs(env.ctx, 'pages', `bookId = ${id}`)).toBe(0);
    await librarian.agent.get(`/admin/books/${id}`).expect(404);
  });

  it('names a legacy font encoding in words the librarian knows, not by its code', async () => {
    const cases = {
      tcvn3: 'phông cũ (TCVN3/ABC) ở 2 trang',
      vni: 'phông cũ (VNI) ở 2 trang',
      'unknown-legacy': 'phông cũ (một bảng mã cũ chưa xác định) ở 2 trang',
    };
    for (const [code, shown] of Object.entries(cases)) {
      const id = await seedPublishedBook(env.ctx, { title: `Sách ${code}`, pages: ['a', 'b'] }, { publish: false });
      await env.ctx.db.transaction().execute((trx) =>
        env.ctx.repos.books.saveExtraction(trx, id, {
          pageCount: 2,
          outline: [],
          pdfMetadata: {},
          needsOcr: false,
          legacyEncoding: code,
          textlessPages: [],
          legacyPages: [1, 2],
          at: env.ctx.clock.now(),
        }),
      );
      const page = await flashOf(librarian.agent, `/admin/books/${id}`);
      expect(page, code).toContain(shown);
      expect(page, code).not.toContain(`(${code})`);
    }
  });

  it('answers the ingest status as JSON', async () => {
    const id = await seedPublishedBook(env.ctx, { title: 'Trạng thái', pages: ['a', 'b', 'c'] }, { publish: false });
    const res = await librarian.agent.get(`/admin/books/${id}/status`).set('Accept', 'application/json').expect(200);
    expect(res.body).toMatchObject({
      id,
      status: 'draft',
      ingestStatus: 'indexed',
      ingestLabel: 'Đã xử lý xong',
      pageCount: 3,
      done: true,
    });
  });
});

describe('categories', () => {
  it('creates with an ASCII slug and refuses a slug in use', async () => {
    await librarian.agent
      .post('/admin/categories')
      .type('form')
      .send(form({ name: 'Sách nói & Âm nhạc' }))
      .expect(303);
    const created = await env.ctx.repos.categories.findBySlug(DEFAULT_LIBRARY_ID, 'sach-noi-am-nhac');
    expect(created?.category.name).toBe('Sách nói & Âm nhạc');
    const dup = await librarian.agent
      .post('/admin/categories')
      .type('form')
      .send(form({ name: 'Lịch sử 2', slug: 'lich-su' }))
      .expect(400);
    expect(dup.text).toContain('Đường dẫn này đã được dùng.');
  });

  it('renames (old slug keeps working) and re-indexes its books', async () => {
    const id = await seedPublishedBook(env.ctx, { title: 'Địa lý Việt Nam', categories: ['dia-ly'], pages: ['Sông Hồng.'] });
    await drainJobs(env.ctx);
    const cat = (await env.ctx.repos.categories.findBySlug(DEFAULT_LIBRARY_ID, 'dia-ly'))!.category;
    await librarian.agent
      .post(`/admin/categories/${cat.id}`)
      .type('form')
      .send(form({ name: 'Địa lý & Môi trường', slug: 'dia-ly-moi-truong', position: String(cat.position) }))
      .expect(303);
    expect(await env.ctx.repos.categories.findBySlug(DEFAULT_LIBRARY_ID, 'dia-ly')).toMatchObject({
      redirected: true,
      category: { id: cat.id, slug: 'dia-ly-moi-truong' },
    });
    expect((await env.ctx.repos.books.findById(id))!.index_pending).toBe(true);
    await drainJobs(env.ctx);
    const doc = await env.ctx.search.client.index(env.ctx.search.indexName('books')).getDocument(id);
    expect(doc.categories).toEqual(['Địa lý & Môi trường']);
    expect(doc.categoryKeys).toEqual([`${DEFAULT_LIBRARY_ID}:dia-ly-moi-truong`]);
  });

  it('merges one category into another and reorders', async () => {
    const a = (await env.ctx.repos.categories.findBySlug(DEFAULT_LIBRARY_ID, 'the-thao'))!.category;
    const b = (await env.ctx.repos.categories.findBySlug(DEFAULT_LIBRARY_ID, 'ky-nang-song'))!.category;
    const id = await seedPublishedBook(env.ctx, { title: 'Bóng đá học đường', categories: ['the-thao'], pages: ['Sút bóng.'] });
    await drainJobs(env.ctx);
    await librarian.agent
      .post(`/admin/categories/${a.id}/merge`)
      .type('form')
      .send(form({ into: String(b.id) }))
      .expect(303);
    expect(await env.ctx.repos.categories.findById(a.id)).toBeUndefined();
    expect((await env.ctx.repos.books.categoriesOf(id)).map((c) => c.slug)).toEqual(['ky-nang-song']);
    expect((await env.ctx.repos.categories.findBySlug(DEFAULT_LIBRARY_ID, 'the-thao'))?.category.id).toBe(b.id);
    await drainJobs(env.ctx);
    expect(await searchBooks(env.ctx, 'bong da', `categoryKeys = "${DEFAULT_LIBRARY_ID}:ky-nang-song"`)).toEqual([id]);

    const before = (await env.ctx.repos.categories.list(DEFAULT_LIBRARY_ID)).map((c) => c.id);
    await librarian.agent
      .post(`/admin/categories/${before[1]}/move`)
      .type('form')
      .send(form({ direction: 'up' }))
      .expect(303);
    const after = (await env.ctx.repos.categories.list(DEFAULT_LIBRARY_ID)).map((c) => c.id);
    expect(after.slice(0, 2)).toEqual([before[1], before[0]]);
    const page = await flashOf(librarian.agent, '/admin/categories');
    expect(page).toContain('Đã đổi thứ tự.');
  });
});
