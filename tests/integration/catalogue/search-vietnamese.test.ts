import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { openPublishGate } from '../../helpers/publish-gates.ts';
import { createTestEnv, DEFAULT_LIBRARY_ID, type TestEnv } from '../../helpers/test-context.ts';
import { countDocs, drainJobs, searchBooks, searchPages, seedPublishedBook } from './support.ts';

/**
 * Vietnamese search on a real Meilisearch with our settings: queries typed without diacritics
 * (and with typos) find the right books and pages. Books are published through BooksService,
 * so the documents come from the real outbox job.
 */
let env: TestEnv;
const ids: Record<string, number> = {};

beforeAll(async () => {
  env = await createTestEnv({ publishGate: openPublishGate });
  registerCatalogueJobs(env.ctx);
  const ctx = env.ctx;
  ids.deMen = await seedPublishedBook(ctx, {
    title: 'Dế Mèn phiêu lưu ký',
    authors: ['Tô Hoài'],
    categories: ['thieu-nhi', 'van-hoc-viet-nam'],
    pages: ['Tôi sống độc lập từ thuở bé.', 'Bởi tôi ăn uống điều độ và làm việc có chừng mực nên tôi chóng lớn lắm.'],
  });
  ids.daiViet = await seedPublishedBook(ctx, {
    title: 'Đại Việt sử ký toàn thư',
    authors: ['Ngô Sĩ Liên'],
    categories: ['lich-su'],
    pages: ['Quyển thủ. Đại Việt sử ký ngoại kỷ.', 'Họ Hồng Bàng. Kinh Dương Vương, húy là Lộc Tục, con cháu họ Thần Nông.'],
  });
  ids.tuTuong = await seedPublishedBook(ctx, {
    title: 'Những bài giảng về đạo đức cách mạng',
    description: 'Tuyển tập các bài viết về tư tưởng, đạo đức, phong cách Hồ Chí Minh dành cho đoàn viên.',
    categories: ['tu-tuong-ho-chi-minh'],
    pages: ['Cần, kiệm, liêm, chính, chí công vô tư.'],
  });
  ids.laoHac = await seedPublishedBook(ctx, {
    title: 'Lão Hạc',
    authors: ['Nam Cao'],
    categories: ['van-hoc-viet-nam'],
    pages: [
      'Lão Hạc ơi! Lão hãy yên lòng mà nhắm mắt!',
      'Chao ôi! Đối với những người ở quanh ta, nếu ta không cố mà tìm hiểu họ, thì ta chỉ thấy họ gàn dở, ngu ngốc, bần tiện, xấu xa, bỉ ổi…',
    ],
  });
  // Decomposed (NFD) Unicode, as some PDFs produce it, must be found like composed text.
  ids.nfd = await seedPublishedBook(ctx, {
    title: 'Truyện Kiều'.normalize('NFD'),
    authors: ['Nguyễn Du'],
    pages: ['Trăm năm trong cõi người ta, chữ tài chữ mệnh khéo là ghét nhau.'.normalize('NFD')],
  });
  await seedPublishedBook(ctx, { title: 'Bản nháp không được tìm thấy', pages: ['Dế Mèn bản nháp'] }, { publish: false });
  await drainJobs(ctx);
});
afterAll(() => env.cleanup());

describe('Vietnamese search without diacritics', () => {
  it.each([
    ['de men phieu luu ky', 'deMen'],
    ['dai viet su ky', 'daiViet'],
    ['tu tuong ho chi minh', 'tuTuong'],
    ['lao hac', 'laoHac'],
    ['truyen kieu nguyen du', 'nfd'],
  ])('"%s" finds the right book first', async (q, key) => {
    const hits = await searchBooks(env.ctx, q);
    expect(hits[0]).toBe(ids[key]);
  });

  it('tolerates typos', async () => {
    expect((await searchBooks(env.ctx, 'de men phieu luu ki'))[0]).toBe(ids.deMen);
    expect((await searchBooks(env.ctx, 'dai vuet su ky'))[0]).toBe(ids.daiViet);
  });

  it('a phrase typed without diacritics from inside a page finds that page', async () => {
    const hits = await searchPages(env.ctx, 'chao oi doi voi nhung nguoi o quanh ta');
    expect(hits[0]).toEqual({ bookId: ids.laoHac, pageNumber: 2 });
    const kinh = await searchPages(env.ctx, 'kinh duong vuong huy la loc tuc');
    expect(kinh[0]).toEqual({ bookId: ids.daiViet, pageNumber: 2 });
    const nfd = await searchPages(env.ctx, 'tram nam trong coi nguoi ta');
    expect(nfd[0]).toEqual({ bookId: ids.nfd, pageNumber: 1 });
  });

  it('pages are filterable by book and by category', async () => {
    const inBook = await searchPages(env.ctx, 'toi', `bookId = ${ids.deMen}`);
    expect(inBook.length).toBeGreaterThan(0);
    expect(inBook.every((h) => h.bookId === ids.deMen)).toBe(true);
    const history = await searchPages(env.ctx, 'dai viet', `categoryKeys = "${DEFAULT_LIBRARY_ID}:lich-su"`);
    expect(history.map((h) => h.bookId)).toContain(ids.daiViet);
    expect(history.every((h) => h.bookId === ids.daiViet)).toBe(true);
  });

  it('books are filterable and sortable as the reader site needs', async () => {
    const hits = await env.ctx.search.client.index(env.ctx.search.indexName('books')).search('', {
      filter: `categoryKeys = "${DEFAULT_LIBRARY_ID}:van-hoc-viet-nam"`,
      sort: ['publishedAt:desc'],
      facets: ['categoryKeys', 'language'],
    });
    expect(hits.hits.map((h) => Number(h.id)).sort()).toEqual([ids.deMen, ids.laoHac].sort());
    expect(hits.facetDistribution?.categoryKeys?.[`${DEFAULT_LIBRARY_ID}:van-hoc-viet-nam`]).toBe(2);
  });

  it('indexes only published books, one document per page, with the contract fields', async () => {
    expect(await countDocs(env.ctx, 'books', 'id > 0')).toBe(5);
    expect(await searchBooks(env.ctx, 'ban nhap khong duoc tim thay')).toEqual([]);
    expect(await countDocs(env.ctx, 'pages', `bookId = ${ids.daiViet}`)).toBe(2);
    const doc = await env.ctx.search.client.index(env.ctx.search.indexName('books')).getDocument(ids.deMen);
    expect(doc).toMatchObject({
      id: ids.deMen,
      title: 'Dế Mèn phiêu lưu ký',
      authors: ['Tô Hoài'],
      authorSlugs: ['to-hoai'],
      language: 'vi',
      pageCount: 2,
      needsOcr: false,
    });
    expect([...doc.categoryKeys].sort()).toEqual([`${DEFAULT_LIBRARY_ID}:thieu-nhi`, `${DEFAULT_LIBRARY_ID}:van-hoc-viet-nam`]);
    expect(typeof doc.publishedAt).toBe('number');
    const page = await env.ctx.search.client.index(env.ctx.search.indexName('pages')).getDocument(`${ids.deMen}-2`);
    expect(page).toMatchObject({ bookId: ids.deMen, pageNumber: 2, title: 'Dế Mèn phiêu lưu ký', language: 'vi' });
    const pending = await env.ctx.repos.books.indexPendingIds(100);
    expect(pending).toEqual([]);
  });
});
