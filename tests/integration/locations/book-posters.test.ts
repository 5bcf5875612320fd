import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qrSvg } from '../../../src/features/locations/qr.ts';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { createTestEnv, type TestEnv, defaultLibraryId } from '../../helpers/test-context.ts';

/**
 * A librarian makes a poster for a book from the book's own page (no id to type): at a place or at
 * none, A4 or A5; and wherever a book is chosen, a picker that finds it by title without JavaScript.
 */
const BASE = 'https://doan-phuong4.example.vn';
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
let kieu: FixtureBook;
let draft: FixtureBook;
let place: { id: number; code: string };

beforeAll(async () => {
  env = await createTestEnv({ env: { PUBLIC_BASE_URL: BASE, COOKIE_SECURE: 'false' } });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  kieu = await createBook(env.ctx, { title: 'Truyện Kiều', pages: pagesWith(3) });
  await createBook(env.ctx, { title: 'Sách giáo khoa Lịch sử 6', pages: pagesWith(2) });
  await createBook(env.ctx, { title: 'Sách giáo khoa Địa lý 6', pages: pagesWith(2) });
  draft = await createBook(env.ctx, { title: 'Bản nháp chưa xuất bản', pages: pagesWith(2), status: 'draft' });
  const loc = await env.ctx.services.locations.create(await defaultLibraryId(env.ctx), {
    name: 'Nhà văn hoá tổ 5',
    kind: 'community_house',
    address: '',
    ward: '',
    note: null,
    contact: null,
  });
  place = { id: loc.id, code: loc.code };
});
afterAll(() => env.cleanup());

const get = (path: string) => librarian.agent.get(path);

describe('a poster button on every book page', () => {
  it('a published book links to its poster; a draft shows the button disabled and says why', async () => {
    const page = (await get(`/admin/books/${kieu.id}`).expect(200)).text;
    expect(page).toContain(`href="/admin/locations/poster?book=${kieu.id}&amp;size=a4"`);
    expect(page).toContain('In áp phích mã QR cho sách này');
    const d = (await get(`/admin/books/${draft.id}`).expect(200)).text;
    expect(d).toMatch(/<button type="button" disabled aria-describedby="poster-why">In áp phích mã QR cho sách này<\/button>/);
    expect(d).toMatch(/id="poster-why">Có áp phích sau khi sách được xuất bản/);
    await get(`/admin/locations/poster?book=${draft.id}`).expect(404); // no poster that leads nowhere
  });

  it('without a place, the QR leads straight to the book; the page offers every place and A4/A5', async () => {
    const res = await get(`/admin/locations/poster?book=${kieu.id}&size=a5`).expect(200);
    const url = `${BASE}/sach/${kieu.id}-truyen-kieu`;
    expect(res.text).toContain('size: A5 portrait');
    expect(res.text).toContain('Sách: Truyện Kiều');
    expect(res.text).toContain(`<p class="url">${url}</p>`);
    expect(res.text).not.toContain('<p class="place">');
    // The QR image is inlined and encodes exactly that address.
    const src = /<img class="qr" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(res.text)?.[1];
    expect(Buffer.from(src!, 'base64').toString()).toBe(await qrSvg(url, 1024));
    expect(res.text).toMatch(/<option value="">Không gắn với điểm nào<\/option>/);
    expect(res.text).toContain(`<option value="${place.id}" >Nhà văn hoá tổ 5</option>`);
    expect(res.text).toMatch(/<option value="a5" selected>A5<\/option>/);
  });

  it('with a place, the QR is counted there (/q/:code/:bookId)', async () => {
    const res = await get(`/admin/locations/poster?book=${kieu.id}&place=${place.id}&size=a4`).expect(200);
    expect(res.text).toContain(`<p class="url">${BASE}/q/${place.code}/${kieu.id}</p>`);
    expect(res.text).toContain(`src="/admin/locations/${place.id}/qr/1024.svg?book=${kieu.id}"`);
    expect(res.text).toContain('<p class="place">Nhà văn hoá tổ 5</p>');
    expect(res.text).toContain(`<option value="${place.id}" selected>`);
    await get(`/admin/locations/poster?book=${kieu.id}&place=abc`).expect(400);
    await get(`/admin/locations/poster?book=${kieu.id}&place=999999`).expect(404);
  });
});

describe('the book picker (no JavaScript needed)', () => {
  it('offers published titles in a datalist on the location page', async () => {
    const page = (await get(`/admin/locations/${place.id}`).expect(200)).text;
    expect(page).toMatch(/<input id="f-book" name="book" type="search" list="f-book-list"/);
    expect(page).toContain(`<option value="Truyện Kiều · #${kieu.id}"></option>`);
    expect(page).not.toContain('Bản nháp chưa xuất bản');
  });

  it('resolves a picked entry, a number, or a title typed without accents', async () => {
    const poster = (q: string) => get(`/admin/locations/${place.id}/poster?size=a4&book=${encodeURIComponent(q)}`);
    for (const q of [`Truyện Kiều · #${kieu.id}`, String(kieu.id), 'truyen kieu', 'Truyện Kiều']) {
      const res = await poster(q).expect(200);
      expect(res.text, q).toContain(`${BASE}/q/${place.code}/${kieu.id}`);
    }
    // Several matches: a page to choose from, each a link to its poster.
    const several = await poster('sách giáo khoa').expect(200);
    expect(several.text).toContain('Có nhiều sách khớp với “sách giáo khoa”');
    expect(several.text.match(new RegExp(`href="/admin/locations/${place.id}/poster\\?book=\\d+&amp;size=a4"`, 'g'))).toHaveLength(2);
    // Nothing: said plainly, with the picker to try again.
    const none = await poster('không có cuốn này').expect(404);
    expect(none.text).toContain('Không tìm thấy sách đã xuất bản nào khớp với “không có cuốn này”.');
    expect(none.text).toContain('value="không có cuốn này"');
  });
});
