import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBook, eventTap, pagesWith, type FixtureBook, type SeenEvent } from '../../helpers/books.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

let env: TestEnv;
let kieu: FixtureBook;
let war: FixtureBook;
let english: FixtureBook;
const events: SeenEvent[] = [];

interface ApiResult {
  totalBooks: number;
  totalPassages: number;
  pageCount: number;
  books: Array<{
    id: number;
    title: string;
    authors: Array<{ name: string; slug: string }>;
    categories: Array<{ name: string; slug: string }>;
    url: string;
    hasCover: boolean;
  }>;
  passages: Array<{ bookId: number; bookTitle: string; pageNumber: number; snippetHtml: string; readerUrl: string; textUrl: string }>;
  facets: { categories: Record<string, number>; languages: Record<string, number> };
}
const api = async (query: Record<string, string>) => (await request(env.app).get('/api/search').query(query).expect(200)).body as ApiResult;

beforeAll(async () => {
  // Record statistics events in memory too (the statistics feature stores them; here we only check they are sent).
  env = await createTestEnv({ events: eventTap(events) });
  kieu = await createBook(env.ctx, {
    title: 'Truyện Kiều',
    authors: ['Nguyễn Du'],
    categories: ['van-hoc-viet-nam'],
    pages: pagesWith(8, { 5: 'Trăm năm trong cõi người ta, chữ tài chữ mệnh khéo là ghét nhau. <script>alert("x")</script>' }),
    publishedAt: new Date('2024-01-01T00:00:00Z'),
  });
  war = await createBook(env.ctx, {
    title: 'Lịch sử thế kỷ hai mươi',
    authors: ['Trần Văn Giàu'],
    categories: ['lich-su'],
    pages: pagesWith(30, { 17: 'Cuộc chiến tranh thế giới thứ hai bùng nổ năm 1939 ở châu Âu.' }),
    publishedAt: new Date('2024-06-01T00:00:00Z'),
  });
  english = await createBook(env.ctx, {
    title: 'A Short History of the World',
    authors: ['H. G. Wells'],
    categories: ['lich-su'],
    language: 'en',
    pages: pagesWith(4, {}, (n) => `Page ${n}. The world war changed everything for the nations of Europe.`),
    publishedAt: new Date('2024-03-01T00:00:00Z'),
  });
});
afterAll(() => env.cleanup());

describe('search', () => {
  it('finds books without diacritics, by title and by author', async () => {
    expect((await api({ q: 'truyen kieu' })).books.map((b) => b.id)).toContain(kieu.id);
    const byAuthor = await api({ q: 'nguyen du' });
    expect(byAuthor.books[0].id).toBe(kieu.id);
    expect(byAuthor.books[0].authors).toEqual([{ name: 'Nguyễn Du', slug: 'nguyen-du' }]);
    expect(byAuthor.books[0].categories).toEqual([{ name: 'Văn học Việt Nam', slug: 'van-hoc-viet-nam' }]);
  });

  it('tolerates a typo', async () => {
    expect((await api({ q: 'truyen kieeu' })).books.map((b) => b.id)).toContain(kieu.id);
  });

  it('finds passages inside books with the page number, highlighted words, and a link to that page of the reader', async () => {
    const r = await api({ q: 'chien tranh the gioi' });
    const hit = r.passages.find((p) => p.bookId === war.id);
    expect(hit).toBeDefined();
    expect(hit!.pageNumber).toBe(17);
    expect(hit!.snippetHtml).toContain('<mark>chiến</mark>');
    expect(hit!.snippetHtml).toContain('<mark>thế</mark>');
    expect(hit!.readerUrl).toBe(`/doc/${war.id}?trang=17&q=chien%20tranh%20the%20gioi#page=17`);
    expect(hit!.textUrl).toBe(`/doc/${war.id}/trang/17?q=chien%20tranh%20the%20gioi`);
  });

  it('escapes page text and keeps only <mark> as markup', async () => {
    const r = await api({ q: 'chu tai chu menh' });
    const hit = r.passages.find((p) => p.bookId === kieu.id);
    expect(hit).toBeDefined();
    expect(hit!.snippetHtml).not.toContain('<script>');
    expect(hit!.snippetHtml.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
    const page = await request(env.app).get('/tim-kiem').query({ q: 'chu tai chu menh' }).expect(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toMatch(/<mark>chữ<\/mark>/);
    expect(page.text).toContain(`href="/doc/${kieu.id}?trang=5&amp;q=chu%20tai%20chu%20menh#page=5"`);
  });

  it('filters by category and language, and reports facet counts', async () => {
    const history = await api({ q: '', category: 'lich-su' });
    expect(history.books.map((b) => b.id).sort()).toEqual([war.id, english.id].sort());
    expect(history.facets.categories['lich-su']).toBe(2);
    // A book is listed when all its significant words match its description (here: the title).
    const en = await api({ q: 'history of the world', language: 'en' });
    expect(en.books.map((b) => b.id)).toEqual([english.id]);
    const worldWar = await api({ q: 'world war', language: 'en' });
    expect(worldWar.passages.length).toBeGreaterThan(0);
    expect(worldWar.passages.every((p) => p.bookId === english.id)).toBe(true);
  });

  it('sorts by newest and by title', async () => {
    expect((await api({ q: '', sort: 'newest' })).books.map((b) => b.id)).toEqual([war.id, english.id, kieu.id]);
    expect((await api({ q: '', sort: 'title' })).books.map((b) => b.title)).toEqual([
      'A Short History of the World',
      'Lịch sử thế kỷ hai mươi',
      'Truyện Kiều',
    ]);
  });

  it('paginates passages', async () => {
    // Every filler page of the 30-page book contains "noi dung": several pages of passages.
    const first = await api({ q: 'noi dung sach', category: 'lich-su' });
    const second = await api({ q: 'noi dung sach', category: 'lich-su', page: '2' });
    expect(first.pageCount).toBeGreaterThan(1);
    expect(first.passages.length).toBe(6);
    const firstKeys = first.passages.map((p) => `${p.bookId}-${p.pageNumber}`);
    expect(second.passages.length).toBeGreaterThan(0);
    expect(second.passages.some((p) => firstKeys.includes(`${p.bookId}-${p.pageNumber}`))).toBe(false);
    const html = await request(env.app).get('/tim-kiem').query({ q: 'noi dung sach', category: 'lich-su' }).expect(200);
    expect(html.text).toContain('rel="next" href="/tim-kiem?q=noi+dung+sach&amp;category=lich-su&amp;page=2"');
  });

  it('says kindly when nothing is found, suggests categories, and records the query as demand', async () => {
    events.length = 0;
    const res = await request(env.app).get('/tim-kiem').query({ q: 'sach day nau an chay' }).expect(200);
    expect(res.text).toContain('Thư viện chưa có sách “sach day nau an chay”.');
    expect(res.text).toContain('href="/de-xuat-sach?q=sach%20day%20nau%20an%20chay"');
    expect(res.text).toContain('Xem theo thể loại');
    expect(res.text).toContain('href="/the-loai/lich-su"');
    expect(events).toContainEqual({ kind: 'search', query: 'sach day nau an chay', resultCount: 0 });
    await request(env.app).get('/tim-kiem').query({ q: 'truyen kieu' }).expect(200);
    expect(events.find((e) => e.kind === 'search' && e.query === 'truyen kieu' && Number(e.resultCount) > 0)).toBeDefined();
  });

  it('suggests titles as you type', async () => {
    const res = await request(env.app).get('/api/search/suggest').query({ q: 'truyen' }).expect(200);
    expect(res.body.suggestions).toContainEqual({ id: kieu.id, title: 'Truyện Kiều', url: `/sach/${kieu.id}-truyen-kieu` });
  });

  it('ignores invalid parameters instead of failing', async () => {
    const r = await api({ q: 'kieu', category: '"; drop', sort: 'nope', page: '-3', language: 'xxxxx' });
    expect(r.books.map((b) => b.id)).toContain(kieu.id);
  });
});
