import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { DESKTOP_UA, PHONE_UA, ZALO_BOT_UA, eventRows, insertPublishedBook, prepareSearch, rollUp } from './fixtures.ts';

// 10:00 in Hà Nội on 10 March 2025.
const clock = new ManualClock(new Date('2025-03-10T03:00:00Z'));
let env: TestEnv;
let librarian: { agent: Agent; csrf: string };
let leader: { agent: Agent; csrf: string };

beforeAll(async () => {
  // Behind a proxy, so each test "visitor" can have its own address (X-Forwarded-For).
  env = await createTestEnv({ clock, env: { TRUST_PROXY: 'true', PUBLIC_BASE_URL: 'https://thuvien.example.vn', COOKIE_SECURE: 'false' } });
  librarian = await signInAs(env.app, env.ctx, 'librarian');
  await prepareSearch(env.ctx);
  leader = await signInAs(env.app, env.ctx, 'leader');
});
afterAll(() => env.cleanup());

const page = (path: string, ip: string, ua = PHONE_UA, agent: Agent | ReturnType<typeof request> = request(env.app)) =>
  (agent as Agent).get(path).set('User-Agent', ua).set('X-Forwarded-For', ip).set('Accept', 'text/html');

async function newLocation(name: string): Promise<{ id: number; code: string }> {
  const res = await librarian.agent
    .post('/admin/locations')
    .type('form')
    .send({ _csrf: librarian.csrf, name, kind: 'community_house', ward: 'Phường 7' })
    .expect(303);
  const id = Number(res.headers.location.split('/').pop());
  return { id, code: (await env.ctx.repos.locations.findById(id))!.code };
}

/** The dashboard's figure for one metric (visits, uniques…), read from the rendered page. */
function figure(html: string, metric: string): number {
  const m = new RegExp(`data-metric="${metric}"><span class="v">([^<]+)<`).exec(html);
  if (!m) throw new Error(`no ${metric} on the page`);
  return Number(m[1].replace(/\D/g, ''));
}

describe('unique visitors with a daily rotating salt (injected clock)', () => {
  it('counts a person once per day, forgets the salt when the day ends, and stores no IP or user agent', async () => {
    clock.set(new Date('2025-03-10T03:00:00Z'));
    const a = request.agent(env.app);
    await page('/', '203.0.113.7', PHONE_UA, a).expect(200);
    clock.advance(40 * 60_000); // a second session, same person
    await page('/', '203.0.113.7', PHONE_UA, a).expect(200);
    await page('/', '198.51.100.23', DESKTOP_UA).expect(200); // someone else
    await env.ctx.services.events.flush();
    const day1Salts = await env.ctx.db
      .selectFrom('stats_salts')
      .select(sql<string>`day::text`.as('day'))
      .execute();
    expect(day1Salts.map((s) => s.day)).toEqual(['2025-03-10']);

    clock.set(new Date('2025-03-11T02:00:00Z')); // next local day
    await page('/', '203.0.113.7', PHONE_UA, request.agent(env.app)).expect(200);
    await env.ctx.services.events.flush();
    // Yesterday's salt is gone: its hashes can no longer be recomputed from an address.
    const day2Salts = await env.ctx.db
      .selectFrom('stats_salts')
      .select(sql<string>`day::text`.as('day'))
      .execute();
    expect(day2Salts.map((s) => s.day)).toEqual(['2025-03-11']);

    const visits = (await eventRows(env.ctx)).filter((r) => r.kind === 'visit' && !r.is_bot);
    const hashA1 = visits[0].visitor_hash!.toString('hex');
    expect(visits[1].visitor_hash!.toString('hex')).toBe(hashA1);
    expect(visits[2].visitor_hash!.toString('hex')).not.toBe(hashA1);
    expect(visits[3].visitor_hash!.toString('hex')).not.toBe(hashA1); // same person, new day, new hash

    const leaks = await sql<{ n: number }>`
      select count(*)::int as n from stats_events
      where row_to_json(stats_events)::text like '%203.0.113%' or row_to_json(stats_events)::text like '%Android%'`.execute(env.ctx.db);
    expect(leaks.rows[0].n).toBe(0);

    await rollUp(env.ctx);
    const site = await env.ctx.db
      .selectFrom('stats_daily_site')
      .select([sql<string>`day::text`.as('day'), 'uniques'])
      .orderBy('day')
      .execute();
    expect(site).toEqual([
      { day: '2025-03-10', uniques: 2 },
      { day: '2025-03-11', uniques: 1 },
    ]);
    const dash = await leader.agent.get('/admin/stats?range=7d').expect(200);
    expect(figure(dash.text, 'visits')).toBe(4);
    expect(figure(dash.text, 'uniques')).toBe(3);
  });
});

describe('rollup job', () => {
  it('is incremental and idempotent: running it again, or twice at once, never double counts', async () => {
    const loc = await newLocation('Nhà văn hóa tổ 5');
    for (let i = 0; i < 5; i++)
      await request(env.app).get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).set('X-Forwarded-For', `192.0.2.${i}`).expect(302);
    await env.ctx.services.events.flush();
    await Promise.all([env.ctx.services.rollup.run(), env.ctx.services.rollup.run()]);
    await env.ctx.services.rollup.run();
    const row = await env.ctx.db.selectFrom('stats_daily').selectAll().where('location_key', '=', loc.id).executeTakeFirstOrThrow();
    expect(row.scans).toBe(5);
    expect(row.visits).toBe(5);
    expect(row.uniques).toBe(5);
    expect(await env.ctx.services.rollup.lag()).toBe(0);
  });

  it('runs as a durable job queued with the events', async () => {
    const loc = await newLocation('Quán cà phê Góc Phố');
    await request(env.app).get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302);
    await env.ctx.services.events.flush();
    const job = await env.ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('type', '=', 'stats.rollup')
      .where('status', '=', 'queued')
      .executeTakeFirst();
    expect(job).toBeDefined();
    await env.ctx.db
      .updateTable('jobs')
      .set({ run_at: new Date(Date.now() - 1000) })
      .where('id', '=', job!.id)
      .execute();
    const { registerStatsJobs } = await import('../../../src/features/stats/stats.jobs.ts');
    await registerStatsJobs(env.ctx);
    await env.ctx.jobs.runDueJobs();
    await env.ctx.jobs.idle();
    expect((await env.ctx.repos.jobs.findById(job!.id))!.status).toBe('succeeded');
    const row = await env.ctx.db.selectFrom('stats_daily').select('scans').where('location_key', '=', loc.id).executeTakeFirstOrThrow();
    expect(row.scans).toBe(1);
  });
});

describe('inactive locations', () => {
  it('keep their history; their QR still works but lands without attribution and counts as "inactive"', async () => {
    clock.set(new Date('2025-03-12T03:00:00Z'));
    const loc = await newLocation('Trường Tiểu học Kim Đồng');
    await request(env.app).get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302); // while active
    await librarian.agent.post(`/admin/locations/${loc.id}/deactivate`).type('form').send({ _csrf: librarian.csrf }).expect(303);

    const agent = request.agent(env.app);
    const res = await agent.get(`/q/${loc.code}`).set('User-Agent', DESKTOP_UA).expect(302);
    expect(res.headers.location).toBe('/');
    expect(String(res.headers['set-cookie'])).toMatch(/tvs\.visit=i\.\./);
    const home = await page('/', '192.0.2.50', DESKTOP_UA, agent).expect(200);
    expect(home.text).not.toContain('Trường Tiểu học Kim Đồng');
    await page('/tim-kiem?q=ca%20dao', '192.0.2.50', DESKTOP_UA, agent).expect(200);

    const rows = (await eventRows(env.ctx)).filter((r) => r.occurred_at >= new Date('2025-03-12T00:00:00Z'));
    const after = rows.slice(-2);
    expect(after.map((r) => [r.kind, r.origin, r.starts_visit])).toEqual([
      ['scan', 'inactive', true],
      ['search', 'inactive', false],
    ]);
    expect(after[0].location_id).toBe(loc.id); // the raw scan remembers which poster it was
    expect(after[1].location_id).toBeNull(); // later events are attributed to no place

    await rollUp(env.ctx);
    const dash = await leader.agent.get('/admin/stats?range=custom&from=2025-03-12&to=2025-03-12').expect(200);
    const own = new RegExp(`data-location-key="${loc.id}">[\\s\\S]*?data-scans="(\\d+)"`).exec(dash.text);
    const inactive = /data-location-key="-1">[\s\S]*?data-scans="(\d+)"/.exec(dash.text);
    expect(Number(own![1])).toBe(1); // the scan from before the deactivation stays with the place
    expect(Number(inactive![1])).toBe(1);
    expect(dash.text).toContain('Mã QR của điểm đã ngừng');
  });
});

describe('exports', () => {
  it('CSV of searches with no results: Vietnamese headers, BOM, attachment, formula-safe cells', async () => {
    clock.set(new Date('2025-03-13T03:00:00Z'));
    const agent = request.agent(env.app);
    await page('/tim-kiem?q=Nh%E1%BA%ADt%20k%C3%BD%20trong%20t%C3%B9', '192.0.2.60', PHONE_UA, agent).expect(200);
    await page('/tim-kiem?q=%3DHYPERLINK(%22http%3A%2F%2Fevil%22)', '192.0.2.60', PHONE_UA, agent).expect(200);
    // A formula after a separator: spreadsheets splitting on ';' (Vietnamese regional settings) would run it.
    await page('/tim-kiem?q=abc%3B%3D1%2B1', '192.0.2.60', PHONE_UA, agent).expect(200);
    await rollUp(env.ctx);
    const res = await leader.agent.get('/admin/stats/export/no-results.csv?range=custom&from=2025-03-13&to=2025-03-13').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="thong-ke-no-results-2025-03-13_2025-03-13.csv"');
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    expect(lines[0]).toBe('Từ khóa,Lượt tìm kiếm,Lần không có kết quả');
    expect(lines).toContain('nhật ký trong tù,1,1');
    expect(lines).toContain(`"'=hyperlink(""http://evil"")",1,1`);
    expect(lines).toContain(`"'abc;'=1+1",1,1`);
  });

  it('CSV of locations and of totals reflect the dashboard', async () => {
    const res = await leader.agent.get('/admin/stats/export/locations.csv?range=custom&from=2025-03-12&to=2025-03-12').expect(200);
    const rows = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(rows[0]).toBe(
      'Mã số điểm,Điểm,Mã QR,Lượt truy cập,Người đọc (không trùng),Lượt quét QR,Bot,Lượt mở sách,Trang đã đọc,Lượt tìm kiếm',
    );
    expect(rows.some((r) => /^\d+,Trường Tiểu học Kim Đồng,[a-z0-9]{6},1,1,1,0,0,0,0$/.test(r))).toBe(true);
    // The pseudo-places have names too: visits that came through no poster, and QR codes of places since deactivated.
    expect(rows.some((r) => r.startsWith('-1,Mã QR của điểm đã ngừng,,'))).toBe(true);
    const direct = await leader.agent.get('/admin/stats/export/locations.csv?range=custom&from=2025-03-10&to=2025-03-10').expect(200);
    expect(direct.text).toMatch(/\r\n0,Không qua mã QR,,\d+,/);
    expect(direct.text).not.toMatch(/\r\n0,,/);
    const totals = await leader.agent.get('/admin/stats/export/totals.csv?range=custom&from=2025-03-13&to=2025-03-13').expect(200);
    expect(totals.text).toContain('Lượt tìm kiếm,2025-03-13,3');
    expect(totals.text).toContain('Tìm kiếm không có kết quả,2025-03-13,3');
    await leader.agent.get('/admin/stats/export/passwords.csv').expect(404);
  });
});

describe('dashboard', () => {
  it('shows top books and categories, compares periods and prints a monthly report', async () => {
    clock.set(new Date('2025-03-14T03:00:00Z'));
    const bookId = await insertPublishedBook(env.ctx, 'Tắt đèn', 'van-hoc-viet-nam');
    const agent = request.agent(env.app);
    await page(`/doc/${bookId}`, '192.0.2.70', PHONE_UA, agent).expect(200);
    await rollUp(env.ctx);
    const dash = await leader.agent.get('/admin/stats?range=custom&from=2025-03-14&to=2025-03-14&compare=previous').expect(200);
    expect(dash.text).toContain('Tắt đèn');
    expect(dash.text).toContain('Văn học Việt Nam');
    expect(figure(dash.text, 'bookOpens')).toBe(1);
    expect(dash.text).toMatch(/data-metric="visits">[\s\S]*?class="d /); // a comparison figure is shown
    expect(dash.text).toContain('<svg viewBox=');
    const report = await leader.agent.get('/admin/stats/report?month=2025-03').expect(200);
    expect(report.text).toContain('Báo cáo hoạt động thư viện tháng 03/2025');
    expect(report.text).toContain('<link rel="stylesheet" href="/static/css/stats.css">');
    expect((await request(env.app).get('/static/css/stats.css').expect(200)).text).toContain('@media print');
    expect(report.text).toContain('Tắt đèn');
  });

  it('counts link-preview bots apart from visits', async () => {
    clock.set(new Date('2025-03-15T03:00:00Z'));
    const loc = await newLocation('Quán cà phê Mây');
    await request(env.app).get(`/q/${loc.code}`).set('User-Agent', ZALO_BOT_UA).expect(302);
    await request(env.app).get(`/q/${loc.code}`).set('User-Agent', PHONE_UA).expect(302);
    await rollUp(env.ctx);
    const row = await env.ctx.db.selectFrom('stats_daily').selectAll().where('location_key', '=', loc.id).executeTakeFirstOrThrow();
    expect([row.scans, row.visits, row.bot_hits]).toEqual([1, 1, 1]);
  });
});

describe('role access', () => {
  it('leaders can view statistics but not edit the catalogue or locations; librarians manage locations but not statistics', async () => {
    await leader.agent.get('/admin/stats').expect(200);
    await leader.agent.get('/admin/stats/report').expect(200);
    await leader.agent.get('/admin/locations').expect(403);
    await leader.agent.post('/admin/locations').type('form').send({ _csrf: leader.csrf, name: 'X', kind: 'cafe' }).expect(403);
    const catalogue = env.app.adminRouters.filter(
      (r) => r.mountPath.startsWith('/admin/books') || r.mountPath.startsWith('/admin/categories'),
    );
    for (const r of catalogue) expect(r.roles).not.toContain('leader');
    if (catalogue.length > 0) {
      await leader.agent.post('/admin/books').type('form').send({ _csrf: leader.csrf, title: 'Sách lạ' }).expect(403);
      await leader.agent.get('/admin/books').expect(403);
    } else {
      console.warn('[role test] catalogue admin routes are not mounted yet: only the locations/statistics guards were checked');
    }
    await librarian.agent.get('/admin/locations').expect(200);
    await librarian.agent.get('/admin/stats').expect(403);
    const admin = await signInAs(env.app, env.ctx, 'admin');
    await admin.agent.get('/admin/stats').expect(200);
    await admin.agent.get('/admin/locations').expect(200);
    const anonymous = await request(env.app).get('/admin/stats').expect(303);
    expect(anonymous.headers.location).toMatch(/^\/dang-nhap/);
    await request(env.app).get('/admin/stats/export/locations.csv').expect(303);
  });
});
