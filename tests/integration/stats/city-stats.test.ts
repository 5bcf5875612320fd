import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInAgent, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, defaultLibraryId, type TestEnv } from '../../helpers/test-context.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { DESKTOP_UA, PHONE_UA, eventRows, rollUp } from './fixtures.ts';

// 10:00 in Hà Nội on 10 March 2025.
const clock = new ManualClock(new Date('2025-03-10T03:00:00Z'));
let env: TestEnv;
let wardA: { id: number; slug: string };
let wardB: { id: number; slug: string };
let defaultId: number;
let codeA: string;
let leaderA: { agent: Agent };
let cityLeader: { agent: Agent };

const visit = (path: string, ip: string, ua = PHONE_UA) =>
  request(env.app).get(path).set('User-Agent', ua).set('X-Forwarded-For', ip).set('Accept', 'text/html');

/** A dashboard figure (data-metric) read from the rendered page. */
function figure(html: string, metric: string): number {
  const m = new RegExp(`data-metric="${metric}"><span class="v">([^<]+)<`).exec(html);
  if (!m) throw new Error(`no ${metric} on the page`);
  return Number(m[1].replace(/\D/g, ''));
}

beforeAll(async () => {
  env = await createTestEnv({ clock, env: { TRUST_PROXY: 'true', PUBLIC_BASE_URL: 'https://thuvien.example.vn', COOKIE_SECURE: 'false' } });
  const libs = env.ctx.services.libraries;
  wardA = await libs.create({ slug: 'phuong-a', name: 'Phường A', unionName: '', address: '', contact: '' });
  wardB = await libs.create({ slug: 'phuong-b', name: 'Phường B', unionName: '', address: '', contact: '' });
  defaultId = await defaultLibraryId(env.ctx);
  const place = await env.ctx.services.locations.create(wardA.id, {
    name: 'Nhà văn hoá tổ 3',
    kind: 'community_house',
    address: '',
    ward: '',
    note: null,
    contact: null,
  });
  codeA = place.code;

  const leader = await createUser(env.ctx, 'leader', undefined, wardA.id);
  leaderA = await signedInAgent(env.app, leader.email, undefined, `/${wardA.slug}/admin`);
  const city = await createUser(env.ctx, 'leader', undefined, wardB.id);
  await env.ctx.repos.users.setCityRole(city.id, 'city_leader');
  cityLeader = await signedInAgent(env.app, city.email, undefined, `/${wardB.slug}/admin`);

  // Ward A: three readers visit its site, two of them scan its poster (global /q/:code) first.
  await visit(`/q/${codeA}`, '203.0.113.1').expect(302);
  await visit(`/q/${codeA}`, '203.0.113.2', DESKTOP_UA).expect(302);
  await visit(`/${wardA.slug}/`, '203.0.113.3').expect(200);
  // Ward B: one visit and two searches (recorded with B's library, as the search route does).
  await visit(`/${wardB.slug}/`, '198.51.100.9').expect(200);
  for (const query of ['truyện kiều', 'lịch sử đảng'])
    env.ctx.services.events.record(
      { kind: 'search', query, resultCount: 0 },
      { headers: { 'user-agent': PHONE_UA }, ip: '198.51.100.9', library: { id: wardB.id } },
    );
  // The default library: one visit at /.
  await visit('/', '192.0.2.50').expect(200);
  // Books readers asked for: one open request in ward B.
  await env.ctx.db
    .insertInto('book_requests')
    .values({
      library_id: wardB.id,
      query_key: 'truyen kieu',
      label: 'Truyện Kiều',
      searches: 4,
      first_seen_at: clock.now(),
      last_seen_at: clock.now(),
    })
    .execute();
  await rollUp(env.ctx);
});
afterAll(() => env.cleanup());

describe('statistics events carry their library', () => {
  it('records visits and searches with the library of the address, scans with the poster location’s library', async () => {
    const rows = await eventRows(env.ctx);
    const of = (kind: string, lib: number) => rows.filter((r) => r.kind === kind && r.library_id === lib).length;
    expect(of('scan', wardA.id)).toBe(2);
    expect(of('visit', wardA.id)).toBe(1);
    expect(of('visit', wardB.id)).toBe(1);
    expect(of('search', wardB.id)).toBe(2);
    expect(of('visit', defaultId)).toBe(1);
    expect(rows.filter((r) => r.kind === 'scan' && r.library_id !== wardA.id)).toEqual([]);
  });

  it('counts a reader who came through ward A’s poster and reads on ward B’s site as direct in B', async () => {
    const before = (await eventRows(env.ctx)).length;
    env.ctx.services.events.record(
      { kind: 'search', query: 'thơ', resultCount: 3 },
      { headers: { 'user-agent': PHONE_UA }, ip: '203.0.113.1', library: { id: wardB.id }, visit: { origin: 'qr', code: codeA } },
    );
    env.ctx.services.events.record(
      { kind: 'search', query: 'thơ', resultCount: 3 },
      { headers: { 'user-agent': PHONE_UA }, ip: '203.0.113.1', library: { id: wardA.id }, visit: { origin: 'qr', code: codeA } },
    );
    const rows = (await eventRows(env.ctx)).slice(before);
    expect(rows.map((r) => [r.library_id, r.origin, r.location_id])).toEqual([
      [wardB.id, 'direct', null],
      [wardA.id, 'qr', rows[1].location_id],
    ]);
    expect(rows[1].location_id).not.toBeNull();
    // Out of the figures below (they were seeded before): remove them again.
    await env.ctx.db
      .deleteFrom('stats_events')
      .where('id', '>', rows[0].id - 1)
      .execute();
  });

  it('rolls up per library (daily, site uniques, searches)', async () => {
    const daily = await env.ctx.db
      .selectFrom('stats_daily')
      .select(['library_id', (eb) => eb.fn.sum<number>('visits').as('visits'), (eb) => eb.fn.sum<number>('scans').as('scans')])
      .groupBy('library_id')
      .execute();
    const by = new Map(daily.map((d) => [d.library_id, { visits: Number(d.visits), scans: Number(d.scans) }]));
    // Each scan started a visit: 2 scans + 1 direct visit in A.
    expect(by.get(wardA.id)).toEqual({ visits: 3, scans: 2 });
    expect(by.get(wardB.id)).toEqual({ visits: 1, scans: 0 });
    expect(by.get(defaultId)).toEqual({ visits: 1, scans: 0 });
    const site = await env.ctx.db.selectFrom('stats_daily_site').select(['library_id', 'uniques']).execute();
    expect(site.find((s) => s.library_id === wardA.id)?.uniques).toBe(3);
    expect(site.find((s) => s.library_id === wardB.id)?.uniques).toBe(1);
    const searches = await env.ctx.db.selectFrom('stats_daily_searches').select(['library_id', 'query']).execute();
    expect(new Set(searches.map((s) => s.library_id))).toEqual(new Set([wardB.id]));
  });
});

describe('a ward leader sees only their ward', () => {
  it('shows ward A’s own figures on A’s dashboard', async () => {
    const res = await leaderA.agent.get(`/${wardA.slug}/admin/stats?range=today`).expect(200);
    expect(figure(res.text, 'visits')).toBe(3);
    expect(figure(res.text, 'scans')).toBe(2);
    expect(figure(res.text, 'searches')).toBe(0);
  });

  it('refuses ward B’s dashboard, its CSV and every city page', async () => {
    await leaderA.agent.get(`/${wardB.slug}/admin/stats`).expect(403);
    await leaderA.agent.get(`/${wardB.slug}/admin/stats/export/totals.csv`).expect(403);
    await leaderA.agent.get('/thanh-pho/thong-ke').expect(403);
    await leaderA.agent.get('/thanh-pho/thong-ke/thu-vien.csv').expect(403);
    await leaderA.agent.get('/thanh-pho/thong-ke/bao-cao').expect(403);
    await request(env.app)
      .get('/thanh-pho/thong-ke')
      .expect((r) => expect([401, 303, 302]).toContain(r.status));
  });

  it('the default library’s dashboard no longer counts the wards', async () => {
    const res = await cityLeader.agent.get('/admin/stats?range=today').expect(200);
    expect(figure(res.text, 'visits')).toBe(1);
    expect(figure(res.text, 'scans')).toBe(0);
  });
});

describe('city statistics (city leader)', () => {
  it('lists every library with its figures, ranked', async () => {
    const res = await cityLeader.agent.get('/thanh-pho/thong-ke?range=today&sort=visits').expect(200);
    const row = (slug: string) => new RegExp(`<tr data-library="${slug}">([\\s\\S]*?)</tr>`).exec(res.text)?.[1] ?? '';
    expect(row(wardA.slug)).toContain('data-visits="3"');
    expect(row(wardA.slug)).toContain('data-scans="2"');
    expect(row(wardB.slug)).toContain('data-searches="2"');
    expect(row(wardB.slug)).toContain('data-requests="1"');
    // Ranked by visits: A (3) first.
    expect(res.text.indexOf(`data-library="${wardA.slug}"`)).toBeLessThan(res.text.indexOf(`data-library="${wardB.slug}"`));
    expect(res.text).toContain('Truyện Kiều');
    expect(figure(res.text, 'visits')).toBe(5);
  });

  it('compares only the chosen libraries', async () => {
    const res = await cityLeader.agent.get(`/thanh-pho/thong-ke?range=today&libs=${wardA.id}&lib-${wardB.id}=1`).expect(200);
    expect(res.text).toContain(`data-library="${wardA.slug}"`);
    expect(res.text).toContain(`data-library="${wardB.slug}"`);
    expect(res.text).not.toContain('data-library="thu-vien"');
    expect(figure(res.text, 'visits')).toBe(4);
  });

  it('exports the ranking as CSV with Vietnamese headers, ranked by the chosen metric', async () => {
    const res = await cityLeader.agent.get('/thanh-pho/thong-ke/thu-vien.csv?range=today&sort=searches').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="thong-ke-thanh-pho-2025-03-10_2025-03-10\.csv"/);
    const rows = parse(res.text.replace(/^\uFEFF/, '')) as string[][];
    const metrics = [
      'Lượt truy cập',
      'Người đọc (không trùng)',
      'Lượt quét QR',
      'Lượt mở sách',
      'Trang đã đọc',
      'Lượt tìm kiếm',
      'Lượt tải về',
      'Sách được hỏi',
    ];
    // Each figure is followed by its previous period, Δ and % (see city-stats-over-time.test.ts).
    expect(rows[0]).toEqual([
      'Hạng',
      'Thư viện',
      'Địa chỉ',
      ...metrics.flatMap((m) => [m, `${m} – kỳ trước`, `${m} – chênh lệch`, `${m} – thay đổi (%)`]),
      'Kỳ thống kê',
      'Kỳ liền trước',
    ]);
    const figures = (row: string[]) => metrics.map((m) => row[rows[0].indexOf(m)]);
    expect(rows[1].slice(0, 3)).toEqual(['1', 'Phường B', 'phuong-b']);
    expect(figures(rows[1])).toEqual(['1', '1', '0', '0', '0', '2', '0', '1']);
    const a = rows.find((r) => r[2] === 'phuong-a');
    expect(figures(a!).slice(0, 3)).toEqual(['3', '3', '2']);
    expect(rows[rows.length - 1][1]).toBe('Toàn thành phố');
    rows.pop(); // the city's total
    expect(rows).toHaveLength(4); // header + three libraries
  });

  it('prints a city report', async () => {
    const res = await cityLeader.agent.get('/thanh-pho/thong-ke/bao-cao?range=today').expect(200);
    expect(res.text).toContain('Báo cáo hoạt động các thư viện trong thành phố');
    expect(res.text).toContain(`data-library="${wardA.slug}"`);
  });
});
