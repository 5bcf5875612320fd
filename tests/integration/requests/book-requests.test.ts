import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/infra/clock.ts';
import { csrfFrom, signInAs, type StaffSession } from '../../helpers/auth.ts';
import { createBook, pagesWith, type FixtureBook } from '../../helpers/books.ts';
import { createTestEnv, type TestEnv, defaultLibraryId } from '../../helpers/test-context.ts';
import { GOOGLE_BOT_UA, PHONE_UA } from '../stats/fixtures.ts';

/**
 * Books readers asked for: searches that found no book (whatever passages they found) and the
 * "Đề xuất sách" form, grouped by the normalised query, with places, for leaders and librarians.
 */
let env: TestEnv;
let leader: StaffSession;
let librarian: StaffSession;
let quynh: FixtureBook;
let placeCode = '';
const clock = new ManualClock(new Date('2025-05-02T02:00:00Z'));

const rowOf = (key: string) => env.ctx.db.selectFrom('book_requests').selectAll().where('query_key', '=', key).executeTakeFirst();
/** Requests are recorded off the request path: wait until the count arrives. */
const waitForCount = (key: string, searches: number) =>
  vi.waitFor(async () => expect((await rowOf(key))?.searches).toBe(searches), { timeout: 30_000, interval: 50 });
const search = (q: string, agent = request.agent(env.app), ua = PHONE_UA) =>
  agent.get('/tim-kiem').query({ q }).set('User-Agent', ua).expect(200);

beforeAll(async () => {
  env = await createTestEnv({ clock, env: { COOKIE_SECURE: 'false' }, requestLimits: { points: 3, windowSeconds: 3600 } });
  leader = await signInAs(env.app, env.ctx, 'leader');
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  quynh = await createBook(env.ctx, {
    title: 'Trạng Quỳnh',
    authors: ['Khuyết danh'],
    padBytesPerPage: 1,
    pages: pagesWith(4, { 2: 'Quỳnh đọc cho bé nghe truyện Dế Mèn phiêu lưu ký trước giờ ngủ.' }),
  });
  const loc = await env.ctx.services.locations.create(await defaultLibraryId(env.ctx), {
    name: 'Quán cà phê Sách Hồng',
    kind: 'cafe',
    address: '1 Lê Lợi',
    ward: 'Phường 4',
    note: '',
    contact: '',
  });
  placeCode = loc.code;
}, 60_000);
afterAll(() => env?.cleanup());

describe('searches that find no book become requests', () => {
  it('groups by the query with case, spacing and diacritics folded, counts places from the QR attribution', async () => {
    const fromCafe = request.agent(env.app);
    await fromCafe.get(`/q/${placeCode}`).set('User-Agent', PHONE_UA).expect(302);
    await search('Đắc Nhân Tâm', fromCafe);
    await waitForCount('dac nhan tam', 1);
    await search('dac nhan  tam');
    await waitForCount('dac nhan tam', 2);
    clock.advance(60_000);
    await search('DAC NHAN TAM!', fromCafe);
    await waitForCount('dac nhan tam', 3);
    const row = await rowOf('dac nhan tam');
    expect(row!.label).toBe('Đắc Nhân Tâm');
    expect(row!.last_seen_at.getTime() - row!.first_seen_at.getTime()).toBe(60_000);
    // Two of the three came through the café's QR code (the place is counted just after the search).
    await vi.waitFor(
      async () => {
        const places = await env.ctx.db.selectFrom('book_request_places').selectAll().where('request_id', '=', row!.id).execute();
        expect(places.map((p) => p.searches)).toEqual([2]);
      },
      { timeout: 30_000, interval: 50 },
    );
  });

  it('counts a search that found passages but no book; not one that found a book, a filtered one, or one letter', async () => {
    const r = await search('de men phieu luu ky');
    expect(r.text).toContain('Thư viện chưa có sách “de men phieu luu ky”.');
    expect(r.text).toContain('class="passages"');
    await waitForCount('de men phieu luu ky', 1);
    await search('trang quynh');
    await request(env.app).get('/tim-kiem').query({ q: 'sach khong co', category: 'lich-su' }).expect(200);
    await search('x'); // too short to be a request
    await search('🙂🙂');
    await search('mot cuon khac'); // a marker: once it is counted, everything before it was handled
    await waitForCount('mot cuon khac', 1);
    const keys = (await env.ctx.db.selectFrom('book_requests').select('query_key').execute()).map((r) => r.query_key).sort();
    expect(keys).toEqual(['dac nhan tam', 'de men phieu luu ky', 'mot cuon khac']);
  });
});

describe('the list for leaders and librarians', () => {
  it('shows leaders the grouped list with counts, first/last seen and places, and a CSV', async () => {
    const page = await leader.agent.get('/admin/requests').expect(200);
    expect(page.text).toContain('Đắc Nhân Tâm');
    expect(page.text).toContain('Quán cà phê Sách Hồng (2)');
    expect(page.text).toContain('2025-05-02 02:00');
    // Leaders read; they have no buttons to change the list.
    expect(page.text).not.toContain('/available"');
    const csv = await leader.agent.get('/admin/requests/export.csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.startsWith('\uFEFFSách được hỏi,')).toBe(true);
    expect(csv.text).toContain('Đắc Nhân Tâm,dac nhan tam,3,0,');
    const dashboard = await request(env.app).get('/admin/requests');
    expect([302, 303, 401]).toContain(dashboard.status);
  });

  it('lets only librarians mark "đã có" (with CSRF) — the request then stops counting — or dismiss', async () => {
    const id = (await rowOf('dac nhan tam'))!.id;
    await leader.agent
      .post(`/admin/requests/${id}/available`)
      .type('form')
      .send({ _csrf: leader.csrf, book: String(quynh.id) })
      .expect(403);
    await librarian.agent
      .post(`/admin/requests/${id}/available`)
      .type('form')
      .send({ book: String(quynh.id) })
      .expect(403);
    await librarian.agent.post(`/admin/requests/${id}/available`).type('form').send({ _csrf: librarian.csrf, book: '999999' }).expect(400);
    await librarian.agent
      .post(`/admin/requests/${id}/available`)
      .type('form')
      .send({ _csrf: librarian.csrf, book: `https://thuvien.example.vn/sach/${quynh.id}-trang-quynh` })
      .expect(303);
    const row = await rowOf('dac nhan tam');
    expect([row!.status, Number(row!.book_id)]).toEqual(['available', quynh.id]);
    await search('dac nhan tam');
    await search('mot cuon khac');
    await waitForCount('mot cuon khac', 2);
    expect((await rowOf('dac nhan tam'))!.searches).toBe(3);
    const available = await leader.agent.get('/admin/requests?status=available').expect(200);
    expect(available.text).toContain('Trạng Quỳnh');

    const other = (await rowOf('mot cuon khac'))!.id;
    await librarian.agent.post(`/admin/requests/${other}/dismiss`).type('form').send({ _csrf: librarian.csrf }).expect(303);
    expect((await rowOf('mot cuon khac'))!.status).toBe('dismissed');
    const open = await leader.agent.get('/admin/requests').expect(200);
    expect(open.text).not.toContain('mot cuon khac');
    expect(open.text).toContain('de men phieu luu ky');
    await librarian.agent.post('/admin/requests/999999/dismiss').type('form').send({ _csrf: librarian.csrf }).expect(404);
  });
});

describe('"Đề xuất sách": readers suggest a book', () => {
  it('feeds the same list (no personal data), refuses bots and missing CSRF, and is rate-limited', async () => {
    const reader = request.agent(env.app);
    const form = await reader.get('/de-xuat-sach').query({ q: 'nha gia kim' }).set('User-Agent', PHONE_UA).expect(200);
    expect(form.text).toContain('value="nha gia kim"');
    const csrf = csrfFrom(form.text);
    const post = (body: Record<string, string>, ua = PHONE_UA) =>
      reader.post('/de-xuat-sach').type('form').set('User-Agent', ua).send(body);

    await post({ title: 'Nhà giả kim', author: 'Paulo Coelho', note: '' }).expect(403); // no CSRF token
    await post({ _csrf: csrf, title: 'Nhà giả kim', website: 'http://spam.example' }).expect(400); // honeypot filled
    await post({ _csrf: csrf, title: 'Nhà giả kim' }, GOOGLE_BOT_UA).expect(403);
    const empty = await post({ _csrf: csrf, title: '  ' }).expect(400);
    expect(empty.text).toContain('Bạn nhập tên sách nhé.');
    expect(await rowOf('nha gia kim')).toBeUndefined();

    await post({ _csrf: csrf, title: 'Nhà Giả Kim', author: 'Paulo Coelho', note: 'Cho lớp 10' }).expect(303);
    await search('nha gia kim');
    await waitForCount('nha gia kim', 1);
    expect((await rowOf('nha gia kim'))!.suggestions).toBe(1);
    await post({ _csrf: csrf, title: '=HYPERLINK("http://x","y")', note: 'a;=1+1' }).expect(303);
    await post({ _csrf: csrf, title: 'Sách thứ ba' }).expect(303);
    const limited = await post({ _csrf: csrf, title: 'Sách thứ tư' }).expect(429);
    expect(limited.text).toContain('Bạn đã gửi nhiều đề xuất');
    expect(await rowOf('sach thu tu')).toBeUndefined();

    const page = await leader.agent.get('/admin/requests').expect(200);
    expect(page.text).toContain('Paulo Coelho: Cho lớp 10');
    const csv = await leader.agent.get('/admin/requests/export.csv').expect(200);
    // Cells a spreadsheet would run as formulas are text, also after a separator inside the cell.
    expect(csv.text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv.text).toContain("a;'=1+1");
    expect(csv.text).not.toMatch(/(^|,)=/m);
  });
});
