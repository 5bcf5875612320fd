import type { Kysely } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up as migrate0018 } from '../../../src/db/migrations/0018_search_category_keys.ts';
import type { Category } from '../../../src/db/schema/catalogue.ts';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { waitOk } from '../../../src/features/search/search-settings.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { createBook, pagesWith } from '../../helpers/books.ts';
import { draftBook, publishAndIndex, recordConsent } from '../../helpers/consent-fixtures.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { drainJobs } from '../catalogue/support.ts';

/**
 * Categories belong to a library, and since the shared catalogue a book owned by library A can be
 * on library B's shelf, filed by B under B's own categories. Search must filter, count and show
 * each library's own filing: A files X under A's "lich-su", B files X under B's
 * "van-hoc-viet-nam" and has its own "lich-su" with Y. Real PostgreSQL and Meilisearch.
 */
const clock = new ManualClock(new Date('2026-11-20T03:00:00Z'));
let env: TestEnv;
let libA: number;
let libB: number;
const X_TITLE = 'Biên niên phường dùng chung';
const X_WORDS = 'bien nien'; // in X's title only
const PHRASE = 'noi dung sach thuong ngay'; // the filler of pagesWith(): pages 2–3 of every book here
let x: number;
let y: number;
let z: number;
const catOf = async (libraryId: number, slug: string): Promise<Category> =>
  (await env.ctx.repos.categories.findBySlug(libraryId, slug))!.category;

beforeAll(async () => {
  env = await createTestEnv({ clock });
  await registerCatalogueJobs(env.ctx);
  libA = (await env.ctx.services.libraries.defaultLibrary()).id;
  libB = (await env.ctx.services.libraries.create({ slug: 'phuong-2', name: 'Thư viện Phường 2', unionName: '', address: '', contact: '' }))
    .id;
  // X: A's book, consent reaching every library of the union, filed by A under A's "Lịch sử".
  x = await draftBook(env.ctx, X_TITLE);
  await env.ctx.db.transaction().execute(async (trx) => env.ctx.repos.books.setCategories(trx, x, [(await catOf(libA, 'lich-su')).id]));
  await recordConsent(env.ctx, x, { holder: 'Tác giả biên niên', scope: 'union' });
  await publishAndIndex(env.ctx, x);
  // B shelves X and files it under B's "Văn học Việt Nam" (through the services the admin pages use).
  expect(await env.ctx.services.shelves.shelve(libB, x, null)).toBe('shelved');
  expect(await env.ctx.services.shelves.setCategories(libB, x, [(await catOf(libB, 'van-hoc-viet-nam')).id], null)).toBe(
    'categories_saved',
  );
  await drainJobs(env.ctx);
  // Y: B's own book in B's "Lịch sử"; Z: A's own book in A's "Lịch sử" (not shared).
  y = (await createBook(env.ctx, { title: 'Sử phường hai', libraryId: libB, categories: ['lich-su'], pages: pagesWith(3) })).id;
  z = (await createBook(env.ctx, { title: 'Sử thư viện một', libraryId: libA, categories: ['lich-su'], pages: pagesWith(3) })).id;
});
afterAll(() => env?.cleanup());

interface Answer {
  books: Array<{ id: number; categories: Array<{ name: string; slug: string }> }>;
  passages: Array<{ bookId: number }>;
  facets: { categories: Record<string, number> };
  totalBooks: number;
}
async function search(base: string, params: Record<string, string>): Promise<Answer> {
  const res = await request(env.app).get(`${base}/api/search`).query(params).expect(200);
  return res.body as Answer;
}
const bookIds = (a: Answer) => a.books.map((b) => b.id).sort((p, q) => p - q);
const passageBooks = (a: Answer) => [...new Set(a.passages.map((p) => p.bookId))].sort((p, q) => p - q);
const sorted = (...ids: number[]) => ids.sort((p, q) => p - q);

describe('category filters, facets and hit cards are per library', () => {
  it('in B, "lich-su" is B’s: Y and not the shared X the owner filed under its own "lich-su"; "van-hoc-viet-nam" finds X', async () => {
    expect(bookIds(await search('/phuong-2', { category: 'lich-su' }))).toEqual([y]);
    expect(bookIds(await search('/phuong-2', { category: 'van-hoc-viet-nam' }))).toEqual([x]);
    expect(bookIds(await search('/phuong-2', {}))).toEqual(sorted(x, y));
  });

  it('B’s facets count B’s categories only, and A’s count A’s', async () => {
    expect((await search('/phuong-2', {})).facets.categories).toEqual({ 'lich-su': 1, 'van-hoc-viet-nam': 1 });
    expect((await search('', {})).facets.categories).toEqual({ 'lich-su': 2 });
  });

  it('X’s hit card shows B’s category in B and A’s in A, in JSON and on the page', async () => {
    const inB = await search('/phuong-2', { q: X_WORDS });
    expect(inB.books.map((b) => [b.id, b.categories])).toEqual([[x, [{ name: 'Văn học Việt Nam', slug: 'van-hoc-viet-nam' }]]]);
    const inA = await search('', { q: X_WORDS });
    expect(inA.books.map((b) => [b.id, b.categories])).toEqual([[x, [{ name: 'Lịch sử', slug: 'lich-su' }]]]);
    const page = await request(env.app).get('/phuong-2/tim-kiem').query({ q: X_WORDS }).expect(200);
    const cats = page.text.match(/<span class="cats-inline">([\s\S]*?)<\/span>/)?.[1] ?? '';
    expect(cats).toContain('href="/phuong-2/the-loai/van-hoc-viet-nam"');
    expect(cats).toContain('Văn học Việt Nam');
    expect(cats).not.toContain('Lịch sử');
  });

  it('passage search filters by the current library’s category too', async () => {
    expect(passageBooks(await search('/phuong-2', { q: PHRASE }))).toEqual(sorted(x, y));
    expect(passageBooks(await search('/phuong-2', { q: PHRASE, category: 'lich-su' }))).toEqual([y]);
    expect(passageBooks(await search('/phuong-2', { q: PHRASE, category: 'van-hoc-viet-nam' }))).toEqual([x]);
  });

  it('A’s search is unchanged by B’s filing', async () => {
    expect(bookIds(await search('', { category: 'lich-su' }))).toEqual(sorted(x, z));
    expect(bookIds(await search('', { category: 'van-hoc-viet-nam' }))).toEqual([]);
    expect(passageBooks(await search('', { q: PHRASE, category: 'lich-su' }))).toEqual(sorted(x, z));
    expect(passageBooks(await search('', { q: PHRASE, category: 'van-hoc-viet-nam' }))).toEqual([]);
  });
});

describe('re-filing in one library re-indexes the book', () => {
  const pending = async (id: number) =>
    (await env.ctx.db.selectFrom('books').select('index_pending').where('id', '=', id).executeTakeFirstOrThrow()).index_pending;

  it('B renaming its category queues the shared book and B’s card shows the new name; A’s does not change', async () => {
    const vh = await catOf(libB, 'van-hoc-viet-nam');
    await env.ctx.services.categories.update(vh.id, { name: 'Văn học phường', slug: 'van-hoc-phuong' });
    expect(await pending(x)).toBe(true);
    await drainJobs(env.ctx);
    const inB = await search('/phuong-2', { q: X_WORDS });
    expect(inB.books[0].categories).toEqual([{ name: 'Văn học phường', slug: 'van-hoc-phuong' }]);
    expect(bookIds(await search('/phuong-2', { category: 'van-hoc-phuong' }))).toEqual([x]);
    expect((await search('/phuong-2', {})).facets.categories).toEqual({ 'lich-su': 1, 'van-hoc-phuong': 1 });
    expect((await search('', { q: X_WORDS })).books[0].categories).toEqual([{ name: 'Lịch sử', slug: 'lich-su' }]);
  });

  it('B re-filing the shared book under another of its categories moves it there in B only', async () => {
    const science = await catOf(libB, 'khoa-hoc');
    expect(await env.ctx.services.shelves.setCategories(libB, x, [science.id], null)).toBe('categories_saved');
    expect(await pending(x)).toBe(true);
    await drainJobs(env.ctx);
    expect(bookIds(await search('/phuong-2', { category: 'khoa-hoc' }))).toEqual([x]);
    expect(bookIds(await search('/phuong-2', { category: 'van-hoc-phuong' }))).toEqual([]);
    expect((await search('/phuong-2', {})).facets.categories).toEqual({ 'lich-su': 1, 'khoa-hoc': 1 });
    expect(bookIds(await search('', { category: 'khoa-hoc' }))).toEqual([]);
  });

  it('B merging its category into another (and deleting the emptied one) keeps the keys true', async () => {
    const science = await catOf(libB, 'khoa-hoc');
    const kids = await catOf(libB, 'thieu-nhi');
    await env.ctx.services.categories.merge(science.id, kids.id);
    expect(await pending(x)).toBe(true);
    await drainJobs(env.ctx);
    expect(bookIds(await search('/phuong-2', { category: 'thieu-nhi' }))).toEqual([x]);
    expect(bookIds(await search('/phuong-2', { category: 'khoa-hoc' }))).toEqual([]);
    expect((await search('/phuong-2', {})).facets.categories).toEqual({ 'lich-su': 1, 'thieu-nhi': 1 });
    expect((await search('/phuong-2', { q: X_WORDS })).books[0].categories).toEqual([{ name: 'Thiếu nhi', slug: 'thieu-nhi' }]);
    // A's own "Thiếu nhi" holds nothing: B's merge did not reach it.
    expect(bookIds(await search('', { category: 'thieu-nhi' }))).toEqual([]);
  });

  it('category names stay searchable words', async () => {
    // "Thiếu nhi" is only B's filing of X (X's title and text do not say it).
    expect(bookIds(await search('/phuong-2', { q: 'thieu nhi' }))).toContain(x);
  });
});

describe('migration 0018 on an index written before it', () => {
  it('re-indexes every published book through the outbox, so old documents gain their per-library keys', async () => {
    // Documents as they were before: a flat categorySlugs, no keys or links.
    const books = env.ctx.search.client.index(env.ctx.search.indexName('books'));
    const old = await books.getDocument(x);
    const { categoryKeys: _k, categoryLinks: _l, ...rest } = old as Record<string, unknown>;
    await waitOk(books.deleteDocument(x));
    await waitOk(books.addDocuments([{ ...rest, categorySlugs: ['lich-su', 'thieu-nhi'] }]));
    expect(bookIds(await search('/phuong-2', { category: 'thieu-nhi' }))).toEqual([]);

    await migrate0018(env.ctx.db as unknown as Kysely<unknown>);
    const flagged = await env.ctx.db.selectFrom('books').select('id').where('index_pending', '=', true).orderBy('id').execute();
    expect(flagged.map((r) => r.id)).toEqual(sorted(x, y, z));
    await drainJobs(env.ctx);
    expect(bookIds(await search('/phuong-2', { category: 'thieu-nhi' }))).toEqual([x]);
    expect(await books.getDocument(x)).toMatchObject({ categoryKeys: expect.arrayContaining([`${libA}:lich-su`, `${libB}:thieu-nhi`]) });
    const left = await env.ctx.db.selectFrom('books').select('id').where('index_pending', '=', true).execute();
    expect(left).toEqual([]);
  });
});

describe('facets with many libraries in one index', () => {
  it('keeps a library’s own counts when its shelf carries hundreds of other libraries’ keys', async () => {
    // C's one book, also filed (as a shared book would be) under 150 categories of other
    // libraries: more values than Meilisearch's default maxValuesPerFacet (100), all sorting before C's.
    const libC = (
      await env.ctx.services.libraries.create({ slug: 'phuong-9', name: 'Thư viện Phường 9', unionName: '', address: '', contact: '' })
    ).id;
    const w = (await createBook(env.ctx, { title: 'Sử phường chín', libraryId: libC, categories: ['lich-su'], pages: pagesWith(1) })).id;
    const books = env.ctx.search.client.index(env.ctx.search.indexName('books'));
    const foreign = Array.from({ length: 150 }, (_, i) => `${libA}:the-loai-${String(i).padStart(3, '0')}`);
    await waitOk(books.updateDocuments([{ id: w, categoryKeys: [...foreign, `${libC}:lich-su`] }]));
    expect((await search('/phuong-9', {})).facets.categories).toEqual({ 'lich-su': 1 });
  });
});
