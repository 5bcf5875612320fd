import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { eventRows, PHONE_UA, ZALO_BOT_UA, GOOGLE_BOT_UA, insertPublishedBook, prepareSearch } from '../stats/fixtures.ts';

let env: TestEnv;
let librarian: Awaited<ReturnType<typeof signInAs>>;
const clock = new ManualClock(new Date('2025-03-10T03:00:00Z'));
beforeAll(async () => {
  // Supertest speaks plain HTTP: Secure cookies would not come back.
  env = await createTestEnv({ clock, env: { PUBLIC_BASE_URL: 'https://thuvien.example.vn', COOKIE_SECURE: 'false' } });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  await prepareSearch(env.ctx);
});
afterAll(() => env.cleanup());

async function createLocation(name: string): Promise<{ id: number; code: string }> {
  const { agent, csrf } = librarian;
  const res = await agent
    .post('/admin/locations')
    .type('form')
    .send({ _csrf: csrf, name, kind: 'cafe', address: '12 Lê Lợi', ward: 'Phường 4' })
    .expect(303);
  const id = Number(/\/admin\/locations\/(\d+)$/.exec(res.headers.location)![1]);
  const loc = await env.ctx.repos.locations.findById(id);
  return { id, code: loc!.code };
}

describe('scan → redirect → attribution', () => {
  it('a librarian creates a location with a short code shown as a public URL', async () => {
    const { agent } = librarian;
    const loc = await createLocation('Quán cà phê Sách Xanh');
    expect(loc.code).toMatch(/^[a-hj-km-np-z2-9]{6}$/);
    const list = await agent.get('/admin/locations').expect(200);
    expect(list.text).toContain('Quán cà phê Sách Xanh');
    expect(list.text).toContain(`https://thuvien.example.vn/q/${loc.code}`);
  });

  it('GET /q/:code answers 302 to the home page at once, sets a cookie without personal data, and counts a scan that starts a visit', async () => {
    const loc = await createLocation('Nhà văn hóa khu phố 3');
    const res = await request(env.app).get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302);
    expect(res.headers.location).toBe('/');
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('tvs.visit='))!;
    expect(cookie).toMatch(new RegExp(`^tvs\\.visit=q\\.${loc.code}\\.[0-9a-z]+;`));
    expect(cookie).toContain('HttpOnly');
    const rows = (await eventRows(env.ctx)).filter((r) => r.location_id === loc.id);
    // One row on the hot path: the scan, marked as the start of a visit.
    expect(rows.map((r) => [r.kind, r.starts_visit])).toEqual([['scan', true]]);
    for (const r of rows) {
      expect(r.origin).toBe('qr');
      expect(r.device).toBe('phone');
      expect(r.is_bot).toBe(false);
      expect(r.visitor_hash).toBeInstanceOf(Buffer);
      expect(r.visitor_hash!.length).toBe(16);
    }
  });

  it('later searches, book opens and downloads in the same session are attributed to the place', async () => {
    const loc = await createLocation('Trường THCS Lê Quý Đôn');
    const bookId = await insertPublishedBook(env.ctx, 'Dế Mèn phiêu lưu ký', 'van-hoc-viet-nam');
    const agent = request.agent(env.app);
    await agent.get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302);
    const home = await agent.get('/').set('User-Agent', PHONE_UA).set('Accept', 'text/html').expect(200);
    expect(home.text).toContain('Trường THCS Lê Quý Đôn'); // the welcome names the place
    await agent.get('/tim-kiem?q=Truyện%20cổ%20tích').set('User-Agent', PHONE_UA).set('Accept', 'text/html').expect(200);
    await agent.get(`/doc/${bookId}`).set('User-Agent', PHONE_UA).set('Accept', 'text/html').expect(200);
    const rows = (await eventRows(env.ctx)).filter((r) => r.location_id === loc.id);
    expect(rows.map((r) => r.kind).sort()).toEqual(['book_open', 'scan', 'search']);
    const search = rows.find((r) => r.kind === 'search')!;
    expect(search.query).toBe('truyện cổ tích');
    expect(search.result_count).toBe(0);
    expect(rows.find((r) => r.kind === 'book_open')!.book_id).toBe(bookId);
    // One person, one hash, all day.
    expect(new Set(rows.map((r) => r.visitor_hash!.toString('hex'))).size).toBe(1);
  });

  it('a book poster (/q/:code/:bookId) lands on the book page, attributed to the place', async () => {
    const loc = await createLocation('Thư viện phường');
    const bookId = await insertPublishedBook(env.ctx, 'Số đỏ');
    const res = await request(env.app).get(`/q/${loc.code}/${bookId}`).set('User-Agent', PHONE_UA).expect(302);
    expect(res.headers.location).toBe(`/sach/${bookId}`);
    const scan = (await eventRows(env.ctx)).find((r) => r.location_id === loc.id && r.kind === 'scan')!;
    expect(scan.book_id).toBe(bookId);
  });

  it('a rescan in the same session is a scan but not a new visit', async () => {
    const loc = await createLocation('Quán trà chanh');
    const agent = request.agent(env.app);
    await agent.get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302);
    await agent.get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302);
    const rows = (await eventRows(env.ctx)).filter((r) => r.location_id === loc.id);
    expect(rows.map((r) => [r.kind, r.starts_visit])).toEqual([
      ['scan', true],
      ['scan', false],
    ]);
  });

  it('a visit without a QR code is counted as direct, once per session, and a new session starts after 30 idle minutes', async () => {
    const before = (await eventRows(env.ctx)).length;
    const agent = request.agent(env.app);
    await agent.get('/').set('User-Agent', PHONE_UA).set('Accept', 'text/html').expect(200);
    await agent.get('/').set('User-Agent', PHONE_UA).set('Accept', 'text/html').expect(200);
    clock.advance(31 * 60_000);
    await agent.get('/').set('User-Agent', PHONE_UA).set('Accept', 'text/html').expect(200);
    const rows = (await eventRows(env.ctx)).slice(before);
    expect(rows.map((r) => [r.kind, r.origin, r.location_id])).toEqual([
      ['visit', 'direct', null],
      ['visit', 'direct', null],
    ]);
  });

  it('an unknown code still lands on the home page and counts nothing', async () => {
    const before = (await eventRows(env.ctx)).length;
    await request(env.app).get('/q/zzzzzz').set('User-Agent', PHONE_UA).expect(302).expect('Location', '/');
    expect((await eventRows(env.ctx)).length).toBe(before);
  });
});

describe('bots and link previews', () => {
  it('are counted as bot hits, never as scans or visits, and get no cookie', async () => {
    const loc = await createLocation('Nhà văn hóa ấp 2');
    for (const ua of [ZALO_BOT_UA, GOOGLE_BOT_UA, 'Zalo-Link-Preview/1.0', 'WhatsApp/2.23.20.0']) {
      const res = await request(env.app).get(`/q/${loc.code}`).set('User-Agent', ua).expect(302);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    await request(env.app).get('/').set('User-Agent', GOOGLE_BOT_UA).set('Accept', 'text/html').expect(200);
    const rows = (await eventRows(env.ctx)).filter((r) => r.location_id === loc.id);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.is_bot && r.visitor_hash === null && r.device === null)).toBe(true);
  });
});
