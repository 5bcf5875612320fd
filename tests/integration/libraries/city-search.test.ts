import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { createBook, pagesWith, withdrawBook } from '../../helpers/books.ts';
import { draftBook, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

/**
 * City-wide search (/thanh-pho/tim-kiem): paging without JavaScript, passages of every shelf
 * grouped per book, every holder named and linked, withdrawn books never shown. Three libraries:
 * the default one (A, at /), Phường 2 (B) and Phường 3 (C). Real PostgreSQL and Meilisearch.
 */
const clock = new ManualClock(new Date('2026-11-25T03:00:00Z'));
let env: TestEnv;
let libA: number;
let libB: number;
const MANY = 29; // with one more below: 30 books = 3 pages of 12
let manyIds: number[] = [];
let shared: number;
let ownedByC: number;
let withdrawnPassage: number;
const PHRASE = 'chiến dịch mùa hè xanh tình nguyện';

interface Holder {
  name: string;
  url: string;
}
interface CityJson {
  q: string;
  shape: string;
  page: number;
  pageCount: number;
  totalBooks: number;
  totalPassages: number;
  prev: string | null;
  next: string | null;
  hits: Array<{ id: number; title: string; holders: Holder[] }>;
  passages: Array<{
    bookId: number;
    bookTitle: string;
    holders: Holder[];
    passages: Array<{ pageNumber: number; readerUrl: string; textUrl: string }>;
  }>;
}

async function cityJson(query: Record<string, string>): Promise<CityJson> {
  const res = await request(env.app).get('/thanh-pho/tim-kiem').query(query).set('Accept', 'application/json').expect(200);
  return res.body as CityJson;
}

beforeAll(async () => {
  env = await createTestEnv({ clock });
  libA = (await env.ctx.services.libraries.defaultLibrary()).id;
  const create = (slug: string, name: string) => env.ctx.services.libraries.create({ slug, name, unionName: '', address: '', contact: '' });
  libB = (await create('phuong-2', 'Thư viện Phường 2')).id;
  const libC = (await create('phuong-3', 'Thư viện Phường 3')).id;
  for (let i = 1; i <= MANY; i++) {
    const owner = i % 3 === 0 ? libC : i % 3 === 1 ? libA : libB;
    manyIds.push(
      (await createBook(env.ctx, { title: `Sổ tay đoàn viên tập ${i}`, libraryId: owner, pages: ['Trang bìa.'], padBytesPerPage: 1 })).id,
    );
  }
  // A's book, shared by consent and shelved by B: its passages on pages 1 and 3.
  shared = await draftBook(env.ctx, 'Nhật ký mùa hè');
  await env.ctx.db
    .updateTable('book_pages')
    .set({ text: `Đội hình ${PHRASE} ở phường.` })
    .where('book_id', '=', shared)
    .where('page_number', 'in', [1, 3])
    .execute();
  await recordConsent(env.ctx, shared, { holder: 'Tác giả nhật ký', scope: 'union' });
  await publishAndIndex(env.ctx, shared);
  expect(await env.ctx.services.shelves.shelve(libB, shared, null)).toBe('shelved');
  await env.ctx.services.searchIndexer.syncBook(shared);
  ownedByC = (
    await createBook(env.ctx, {
      title: 'Sổ tay đoàn viên phường ba',
      libraryId: libC,
      pages: pagesWith(2, { 2: `Năm nay ${PHRASE} đông vui.` }),
    })
  ).id;
  manyIds.push(ownedByC);
  // Withdrawn after Meilisearch indexed it: its index delete still queued (keepInIndex).
  withdrawnPassage = (await createBook(env.ctx, { title: 'Sách đã gỡ', pages: [`Trang có ${PHRASE} nhưng sách đã gỡ.`] })).id;
  await withdrawBook(env.ctx, withdrawnPassage, { keepInIndex: true });
  manyIds = manyIds.sort((a, b) => a - b);
});
afterAll(() => env?.cleanup());

describe('city-wide search', () => {
  it('pages through every match with plain links; JSON carries the same paging', async () => {
    const seen: number[] = [];
    const first = await cityJson({ q: 'so tay doan vien' });
    expect(first).toMatchObject({ page: 1, pageCount: 3, totalBooks: 30, prev: null });
    expect(first.next).toBe('/thanh-pho/tim-kiem?q=so+tay+doan+vien&page=2');
    for (let page = 1; page <= 3; page++) {
      const r = page === 1 ? first : await cityJson({ q: 'so tay doan vien', page: String(page) });
      expect(r.page).toBe(page);
      expect(r.hits).toHaveLength(page < 3 ? 12 : 6);
      seen.push(...r.hits.map((h) => h.id));
    }
    expect(seen.sort((a, b) => a - b)).toEqual(manyIds); // every book once, none twice
    const last = await cityJson({ q: 'so tay doan vien', page: '3' });
    expect(last.prev).toBe('/thanh-pho/tim-kiem?q=so+tay+doan+vien&page=2');
    expect(last.next).toBeNull();

    const html = await request(env.app).get('/thanh-pho/tim-kiem').query({ q: 'so tay doan vien', page: '2' }).expect(200);
    expect(html.text).toContain('Khoảng 30 cuốn sách');
    expect(html.text).toContain('Trang 2/3');
    expect(html.text).toMatch(/<a rel="prev" href="\/thanh-pho\/tim-kiem\?q=so\+tay\+doan\+vien">‹ Trang trước<\/a>/);
    expect(html.text).toMatch(/<a rel="next" href="\/thanh-pho\/tim-kiem\?q=so\+tay\+doan\+vien&amp;page=3">Trang sau ›<\/a>/);
    const en = await request(env.app)
      .get('/thanh-pho/tim-kiem')
      .query({ q: 'so tay doan vien', page: '2' })
      .set('Cookie', 'tvs.lang=en')
      .expect(200);
    expect(en.text).toContain('About 30 books');
  });

  it('finds passages on every shelf, grouped per book, each naming every library holding it with links into it', async () => {
    const r = await cityJson({ q: PHRASE });
    const groups = new Map(r.passages.map((g) => [g.bookId, g]));
    expect([...groups.keys()].sort((a, b) => a - b)).toEqual([shared, ownedByC].sort((a, b) => a - b));
    const s = groups.get(shared)!;
    expect(s.passages.map((p) => p.pageNumber).sort()).toEqual([1, 3]);
    expect(s.holders).toEqual([
      { name: 'Thư viện số', url: expect.stringMatching(new RegExp(`^/sach/${shared}-`)) },
      { name: 'Thư viện Phường 2', url: expect.stringMatching(new RegExp(`^/phuong-2/sach/${shared}-`)) },
    ]);
    expect(s.passages[0].readerUrl).toMatch(new RegExp(`^/doc/${shared}\\?trang=\\d`));
    const c = groups.get(ownedByC)!;
    expect(c.holders).toEqual([{ name: 'Thư viện Phường 3', url: expect.stringMatching(new RegExp(`^/phuong-3/sach/${ownedByC}-`)) }]);
    expect(c.passages).toEqual([
      {
        pageNumber: 2,
        readerUrl: expect.stringMatching(new RegExp(`^/phuong-3/doc/${ownedByC}\\?trang=2`)),
        textUrl: `/phuong-3/doc/${ownedByC}/trang/2?q=${encodeURIComponent(PHRASE)}`,
        snippetHtml: expect.stringContaining('<mark>'),
      },
    ]);
    const html = await request(env.app).get('/thanh-pho/tim-kiem').query({ q: PHRASE }).expect(200);
    expect(html.text).toContain('Đoạn trong sách');
    expect(html.text).toContain(`href="/phuong-2/sach/${shared}-`);
    expect(html.text).toContain(`href="/phuong-3/doc/${ownedByC}/trang/2?q=`);
  });

  it('never shows a withdrawn book, and its page of results still pages', async () => {
    const r = await cityJson({ q: PHRASE });
    expect(r.passages.map((g) => g.bookId)).not.toContain(withdrawnPassage);
    expect(r.hits.map((h) => h.id)).not.toContain(withdrawnPassage);
    const byTitle = await cityJson({ q: 'sach da go' });
    expect(byTitle.hits).toEqual([]);
    expect(byTitle.passages).toEqual([]);
    // One of the paged books withdrawn meanwhile: the others keep their pages, nothing repeats.
    const gone = manyIds[5];
    await withdrawBook(env.ctx, gone, { keepInIndex: true });
    const seen: number[] = [];
    for (let page = 1; page <= 3; page++)
      seen.push(...(await cityJson({ q: 'so tay doan vien', page: String(page) })).hits.map((h) => h.id));
    expect(seen.sort((a, b) => a - b)).toEqual(manyIds.filter((id) => id !== gone));
    // Past the last page: an empty page that still links back, not an error.
    const beyond = await request(env.app).get('/thanh-pho/tim-kiem').query({ q: 'so tay doan vien', page: '9' }).expect(200);
    expect(beyond.text).toContain('Trang này không còn kết quả nào');
    expect(beyond.text).toContain('rel="prev"');
  });

  it('escapes what readers type and says plainly when a query has nothing to search for', async () => {
    const html = await request(env.app).get('/thanh-pho/tim-kiem').query({ q: '<script>alert(1)</script>' }).expect(200);
    expect(html.text).not.toContain('<script>alert(1)');
    expect(html.text).toContain('&lt;script&gt;alert(1)');
    const emoji = await cityJson({ q: '🙂' });
    expect(emoji).toMatchObject({ shape: 'no_words', hits: [], passages: [], pageCount: 1 });
    const page = await request(env.app).get('/thanh-pho/tim-kiem').query({ q: '!!' }).expect(200);
    expect(page.text).toContain('Không tìm được với chỉ biểu tượng hoặc dấu câu');
  });
});
