import crypto from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, signedInAgent, type Agent } from '../../helpers/auth.ts';
import { createTestEnv, defaultLibraryId, type TestEnv } from '../../helpers/test-context.ts';
import { ManualClock } from '../../../src/infra/clock.ts';
import { rollUp } from './fixtures.ts';

/**
 * The city page over time (issue 17, item 6): the ranked metric per bucket for the top libraries,
 * the previous period with its change, in the page, the CSV and the printable report. Every figure
 * is checked against the raw events (counted by their local day in Hà Nội), and the events sit on
 * both sides of local midnight at month ends, where UTC and local dates differ.
 */

// 10:00 in Hà Nội on 10 March 2025.
const clock = new ManualClock(new Date('2025-03-10T03:00:00Z'));
const TZ = 'Asia/Ho_Chi_Minh';
let env: TestEnv;
let cityLeader: Agent;
let wardLeader: Agent;
const wards: Array<{ id: number; slug: string; name: string }> = [];
let defaultId: number;

/** A raw event at a local (Hà Nội) time, e.g. '2025-02-28 23:30'. */
async function event(libraryId: number, local: string, kind = 'visit', opts: { bot?: boolean; visitor?: string } = {}) {
  const at = new Date(`${local.replace(' ', 'T')}:00+07:00`);
  const hash = opts.bot
    ? null
    : crypto
        .createHash('sha256')
        .update(opts.visitor ?? crypto.randomUUID())
        .digest();
  await sql`
    insert into stats_events (library_id, occurred_at, kind, origin, visitor_hash, device, is_bot, starts_visit, book_id)
    values (${libraryId}, ${at}, ${kind}, 'direct', ${hash}, ${opts.bot ? null : 'phone'}, ${opts.bot ?? false}, false, null)`.execute(
    env.ctx.db,
  );
}

/** Non-bot events of one kind per library and bucket, straight from stats_events (the truth). */
async function raw(kind: string, from: string, to: string, unit: 'day' | 'week' | 'month' = 'day') {
  const r = await sql<{ library_id: number; b: string; n: number }>`
    select library_id, to_char(date_trunc(${unit}, (occurred_at at time zone ${TZ})::date::timestamp), 'YYYY-MM-DD') as b, count(*)::int as n
    from stats_events where kind = ${kind} and not is_bot and (occurred_at at time zone ${TZ})::date between ${from}::date and ${to}::date
    group by 1, 2`.execute(env.ctx.db);
  const at = (libraryId: number, bucket?: string) =>
    r.rows.filter((x) => x.library_id === libraryId && (bucket === undefined || x.b === bucket)).reduce((s, x) => s + x.n, 0);
  return at;
}

/** The over-time table: library id → bucket → value. */
function seriesTable(html: string): { by: string; values: Map<number, Map<string, number>> } {
  const table = /<table id="city-series" data-by="(\w+)">([\s\S]*?)<\/table>/.exec(html);
  if (!table) throw new Error('no over-time table');
  const ids = [...table[2].matchAll(/data-library-id="(\d+)"/g)].map((m) => Number(m[1]));
  const values = new Map(ids.map((id) => [id, new Map<string, number>()]));
  for (const row of table[2].matchAll(/<tr data-bucket="([\d-]+)">([\s\S]*?)<\/tr>/g)) {
    const cells = [...row[2].matchAll(/data-value="(-?\d+)"/g)].map((m) => Number(m[1]));
    ids.forEach((id, i) => values.get(id)!.set(row[1], cells[i]));
  }
  return { by: table[1], values };
}

const rowOf = (html: string, slug: string) => new RegExp(`<tr data-library="${slug}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';

beforeAll(async () => {
  env = await createTestEnv({ clock, env: { PUBLIC_BASE_URL: 'https://thuvien.example.vn', COOKIE_SECURE: 'false' } });
  defaultId = await defaultLibraryId(env.ctx);
  for (const x of ['a', 'b', 'c', 'd', 'e', 'f']) {
    const lib = await env.ctx.services.libraries.create({
      slug: `phuong-${x}`,
      name: `Phường ${x.toUpperCase()}`,
      unionName: '',
      address: '',
      contact: '',
    });
    wards.push({ id: lib.id, slug: lib.slug, name: `Phường ${x.toUpperCase()}` });
  }
  const [a, b, c, d, e, f] = wards.map((w) => w.id);
  // Ward A, around the February/March boundary (previous period of 1–10 March is 19–28 February).
  await event(a, '2025-02-18 23:30'); // before the previous period (still February)
  await event(a, '2025-02-19 00:10'); // first minute-ish of the previous period (UTC: 18 February)
  await event(a, '2025-02-28 23:30'); // last hour of February (UTC: 28 February)
  await event(a, '2025-03-01 00:30'); // first hour of March (UTC: still 28 February)
  await event(a, '2025-03-05 12:00', 'visit', { visitor: 'x' });
  await event(a, '2025-03-05 12:05', 'visit', { visitor: 'x' });
  await event(a, '2025-03-05 12:06', 'visit', { bot: true }); // a bot: never a visit
  await event(a, '2025-02-27 08:00', 'book_open');
  await event(a, '2025-03-02 08:00', 'book_open');
  // Last year, around the June/July boundary (month buckets).
  await event(a, '2024-06-15 10:00');
  await event(a, '2024-06-30 23:59');
  await event(a, '2024-07-01 00:01');
  // Ward B: nothing in the previous period, one visit now (a change from 0).
  await event(b, '2025-03-10 09:00');
  await event(b, '2025-01-06 09:00'); // a Monday, for the week buckets
  // Wards C–F: 1–4 visits on 3 March; the default library none. Seven libraries: the chart draws five.
  for (const [i, id] of [c, d, e, f].entries()) for (let k = 0; k <= i; k++) await event(id, '2025-03-03 10:00');
  await rollUp(env.ctx);

  const city = await createUser(env.ctx, 'leader', undefined, b);
  await env.ctx.repos.users.setCityRole(city.id, 'city_leader');
  cityLeader = (await signedInAgent(env.app, city.email, undefined, `/phuong-b/admin`)).agent;
  const leader = await createUser(env.ctx, 'leader', undefined, a);
  wardLeader = (await signedInAgent(env.app, leader.email, undefined, `/phuong-a/admin`)).agent;
});
afterAll(() => env.cleanup());

describe('city page: the previous period', () => {
  it('shows each library’s and the city’s previous period and change, across the month boundary in local time', async () => {
    const res = await cityLeader.get('/thanh-pho/thong-ke?range=custom&from=2025-03-01&to=2025-03-10&sort=visits').expect(200);
    const now = await raw('visit', '2025-03-01', '2025-03-10');
    const before = await raw('visit', '2025-02-19', '2025-02-28');
    const [a, b] = wards;
    // Known by construction: A had 3 visits in 1–10 March and 2 in 19–28 February (not the 18th's).
    expect([now(a.id), before(a.id)]).toEqual([3, 2]);
    for (const w of [...wards, { id: defaultId, slug: 'thu-vien' }]) {
      const row = rowOf(res.text, w.slug);
      expect(row).toContain(`data-visits="${now(w.id)}"`);
      expect(row).toContain(`data-previous="${before(w.id)}"`);
      expect(row).toContain(`data-delta="${now(w.id) - before(w.id)}"`);
    }
    expect(rowOf(res.text, a.slug)).toContain('+50%');
    expect(rowOf(res.text, b.slug)).toMatch(/\+1 \(<span class="d up">mới<\/span>\)/); // from 0: "new", not a division by zero
    // The city's total, in the table's footer and the key figures.
    const total = wards.reduce((s, w) => s + now(w.id), 0) + now(defaultId);
    const totalBefore = wards.reduce((s, w) => s + before(w.id), 0) + before(defaultId);
    expect(res.text).toMatch(new RegExp(`<tfoot>[\\s\\S]*data-previous="${totalBefore}"[\\s\\S]*data-delta="${total - totalBefore}"`));
    expect(res.text).toMatch(new RegExp(`data-metric="visits"><span class="v">${total}<[\\s\\S]*?data-previous="${totalBefore}"`));
    expect(res.text).toContain('19/02/2025 – 28/02/2025');
  });

  it('compares book opens too: 27 February is before, 2 March is in', async () => {
    const res = await cityLeader.get('/thanh-pho/thong-ke?range=custom&from=2025-03-01&to=2025-03-10&sort=bookOpens').expect(200);
    const row = rowOf(res.text, wards[0].slug);
    expect(row).toContain('data-bookOpens="1"');
    expect(row).toContain('data-previous="1"');
    expect(row).toContain('data-delta="0"');
  });
});

describe('city page: the ranked metric over time', () => {
  it('by day: every bucket equals the raw events of that local day, for the top five libraries', async () => {
    const res = await cityLeader.get('/thanh-pho/thong-ke?range=custom&from=2025-03-01&to=2025-03-10&sort=visits').expect(200);
    const { by, values } = seriesTable(res.text);
    expect(by).toBe('day');
    // Seven libraries, none chosen: the five with the most visits (F 4, E 3, A 3, D 2, C 1 or B 1 …).
    expect(values.size).toBe(5);
    expect(res.text).toContain('Biểu đồ vẽ 5 thư viện đứng đầu trong 7 thư viện');
    const now = await raw('visit', '2025-03-01', '2025-03-10');
    const f = wards[5];
    expect([...values.keys()][0]).toBe(f.id);
    for (const [id, buckets] of values) {
      expect(buckets.size).toBe(10);
      let sum = 0;
      for (const [day, v] of buckets) {
        expect(v).toBe(now(id, day));
        sum += v;
      }
      expect(sum).toBe(now(id));
    }
    expect(values.get(wards[0].id)?.get('2025-03-01')).toBe(1); // 00:30 local on 1 March, 28 February in UTC
    // The chart is drawn on the server, described for screen readers, with the table as fallback.
    expect(res.text).toMatch(
      /<figure class="chart line-chart">\s*<div class="lc" role="img" aria-label="Lượt truy cập theo ngày, 01\/03\/2025 – 10\/03\/2025: Phường F, /,
    );
  });

  it('draws only the chosen libraries', async () => {
    const [a, b] = wards;
    const res = await cityLeader.get(`/thanh-pho/thong-ke?range=custom&from=2025-03-01&to=2025-03-10&libs=${a.id},${b.id}`).expect(200);
    const { values } = seriesTable(res.text);
    expect(new Set(values.keys())).toEqual(new Set([a.id, b.id]));
    expect(res.text).not.toContain('Biểu đồ vẽ');
  });

  it('by week for a few months, by month for two years: bucket sums equal the raw events', async () => {
    const cases: Array<[string, string, 'week' | 'month']> = [
      ['2024-12-01', '2025-03-10', 'week'],
      ['2023-03-11', '2025-03-10', 'month'],
    ];
    for (const [from, to, unit] of cases) {
      const res = await cityLeader.get(`/thanh-pho/thong-ke?range=custom&from=${from}&to=${to}&sort=visits`).expect(200);
      const { by, values } = seriesTable(res.text);
      expect(by).toBe(unit);
      const truth = await raw('visit', from, to, unit);
      for (const [id, buckets] of values) {
        let sum = 0;
        for (const [bucket, v] of buckets) {
          expect(v, `${unit} ${bucket} of library ${id}`).toBe(truth(id, bucket));
          sum += v;
        }
        expect(sum).toBe(truth(id));
      }
      if (unit === 'month') {
        const a = values.get(wards[0].id)!;
        expect(a.size).toBe(25); // March 2023 … March 2025
        expect([a.get('2024-06-01'), a.get('2024-07-01'), a.get('2025-02-01'), a.get('2025-03-01')]).toEqual([2, 1, 3, 3]);
      } else {
        expect(values.get(wards[1].id)?.get('2025-01-06')).toBe(1);
      }
    }
  });
});

describe('monthly roll-up per library', () => {
  /** stats_monthly_library against the raw events: visits, book opens and (daily) unique visitors. */
  async function expectMonthlyEqualsRaw() {
    const monthly = await sql<{ library_id: number; month: string; visits: string; book_opens: string; uniques: string }>`
      select library_id, to_char(month, 'YYYY-MM-DD') as month, visits, book_opens, uniques from stats_monthly_library order by 1, 2`.execute(
      env.ctx.db,
    );
    const truth = await sql<{ library_id: number; month: string; visits: number; book_opens: number; uniques: number }>`
      with e as (select *, (occurred_at at time zone ${TZ})::date as d from stats_events where not is_bot)
      select library_id, to_char(date_trunc('month', d::timestamp), 'YYYY-MM-DD') as month,
        count(*) filter (where kind = 'visit')::int as visits, count(*) filter (where kind = 'book_open')::int as book_opens,
        count(distinct (d, visitor_hash)) filter (where visitor_hash is not null)::int as uniques
      from e group by 1, 2 order by 1, 2`.execute(env.ctx.db);
    expect(
      monthly.rows.map((r) => ({ ...r, visits: Number(r.visits), book_opens: Number(r.book_opens), uniques: Number(r.uniques) })),
    ).toEqual(truth.rows);
    expect(truth.rows.length).toBeGreaterThan(5);
  }

  it('equals the raw events per library and month; a late event re-sums its month; folding twice never double counts', async () => {
    await expectMonthlyEqualsRaw();
    // A late event in an old month (ids grow, days do not): folded incrementally into June 2024 of A.
    await event(wards[0].id, '2024-06-30 23:00');
    await event(wards[1].id, '2025-03-10 09:30');
    await Promise.all([env.ctx.services.rollup.run(), env.ctx.services.rollup.run()]);
    await env.ctx.services.rollup.run();
    await expectMonthlyEqualsRaw();
    const june = await sql<{ visits: string }>`
      select visits from stats_monthly_library where library_id = ${wards[0].id} and month = '2024-06-01'`.execute(env.ctx.db);
    expect(Number(june.rows[0].visits)).toBe(3);
    // The repair path (daily rows written some other way): re-summing every month gives the same rows.
    await sql`delete from stats_monthly_library where library_id = ${wards[0].id}`.execute(env.ctx.db);
    await sql`update stats_monthly_library set visits = visits + 100`.execute(env.ctx.db);
    await env.ctx.repos.rollup.resumAllMonths();
    await expectMonthlyEqualsRaw();
  });
});

describe('city CSV and printable report', () => {
  it('the CSV has, per metric, the previous period, Δ and %, and a total row', async () => {
    const res = await cityLeader.get('/thanh-pho/thong-ke/thu-vien.csv?range=custom&from=2025-03-01&to=2025-03-10&sort=visits').expect(200);
    const rows = parse(res.text.replace(/^\uFEFF/, '')) as string[][];
    const header = rows[0];
    for (const col of [
      'Lượt truy cập',
      'Lượt truy cập – kỳ trước',
      'Lượt truy cập – chênh lệch',
      'Lượt truy cập – thay đổi (%)',
      'Lượt mở sách – kỳ trước',
      'Sách được hỏi – thay đổi (%)',
      'Kỳ thống kê',
      'Kỳ liền trước',
    ])
      expect(header).toContain(col);
    const cell = (row: string[], col: string) => row[header.indexOf(col)];
    const a = rows.find((r) => r[2] === wards[0].slug)!;
    expect([cell(a, 'Lượt truy cập'), cell(a, 'Lượt truy cập – kỳ trước'), cell(a, 'Lượt truy cập – chênh lệch')]).toEqual(['3', '2', '1']);
    expect(cell(a, 'Lượt truy cập – thay đổi (%)')).toBe('50');
    expect(cell(a, 'Kỳ liền trước')).toBe('2025-02-19..2025-02-28');
    const b = rows.find((r) => r[2] === wards[1].slug)!;
    expect(cell(b, 'Lượt truy cập – thay đổi (%)')).toBe(''); // previous 0: no percentage
    const total = rows[rows.length - 1];
    expect(total[1]).toBe('Toàn thành phố');
    const sum = rows.slice(1, -1).reduce((s, r) => s + Number(cell(r, 'Lượt truy cập')), 0);
    expect(cell(total, 'Lượt truy cập')).toBe(String(sum));
    expect(rows).toHaveLength(1 + 7 + 1);
  });

  it('the printable report carries the comparison over time and the previous period', async () => {
    const res = await cityLeader.get('/thanh-pho/thong-ke/bao-cao?range=custom&from=2025-03-01&to=2025-03-10').expect(200);
    expect(res.text).toContain('id="city-series"');
    expect(res.text).toContain('<tfoot>');
    expect(res.text).toContain('Kỳ trước: 19/02/2025 – 28/02/2025');
  });

  it('speaks English on request, and a ward leader still cannot reach any of it', async () => {
    await cityLeader.get('/ngon-ngu/en').expect(303);
    try {
      const res = await cityLeader.get('/thanh-pho/thong-ke?range=custom&from=2025-03-01&to=2025-03-10').expect(200);
      expect(res.text).toContain('Visits over time');
      expect(res.text).toContain('Previous period: 2025-02-19 – 2025-02-28');
      const csv = await cityLeader.get('/thanh-pho/thong-ke/thu-vien.csv?range=custom&from=2025-03-01&to=2025-03-10').expect(200);
      expect(csv.text).toContain('Visits – previous period');
    } finally {
      await cityLeader.get('/ngon-ngu/vi').expect(303);
    }
    await wardLeader.get('/thanh-pho/thong-ke?range=30d').expect(403);
    await wardLeader.get('/thanh-pho/thong-ke/thu-vien.csv').expect(403);
    await wardLeader.get('/thanh-pho/thong-ke/bao-cao').expect(403);
  });
});

describe('migration 0019 fills the monthly roll-up from existing figures', () => {
  it('one row per library and month, equal to the daily rows', async () => {
    const { databaseAt } = await import('../../helpers/database-at.ts');
    const { migrateToLatest } = await import('../../../src/db/migrate.ts');
    const { db, drop } = await databaseAt('0017_category_redirects_per_library', 'tvs_mig19');
    try {
      const lib = await sql<{ id: number }>`select id from libraries where is_default`.execute(db);
      const id = lib.rows[0].id;
      const other = (await sql<{ id: number }>`insert into libraries (slug, name) values ('phuong-2', 'Phường 2') returning id`.execute(db))
        .rows[0].id;
      await sql`insert into stats_daily (library_id, day, location_key, visits, scans, book_opens, visits_phone) values
        (${id}, '2025-02-28', 0, 5, 1, 2, 4), (${id}, '2025-02-28', 7, 3, 3, 0, 3), (${id}, '2025-03-01', 0, 11, 0, 1, 11),
        (${other}, '2025-03-31', 0, 2, 0, 0, 0)`.execute(db);
      await sql`insert into stats_daily_site (library_id, day, uniques) values (${id}, '2025-02-28', 6), (${id}, '2025-02-27', 1)`.execute(
        db,
      );
      await migrateToLatest(db);
      const rows = await sql<Record<string, unknown>>`
        select library_id, to_char(month, 'YYYY-MM') as month, visits::int, scans::int, book_opens::int, uniques::int, visits_phone::int
        from stats_monthly_library order by library_id, month`.execute(db);
      expect(rows.rows).toEqual([
        { library_id: id, month: '2025-02', visits: 8, scans: 4, book_opens: 2, uniques: 7, visits_phone: 7 },
        { library_id: id, month: '2025-03', visits: 11, scans: 0, book_opens: 1, uniques: 0, visits_phone: 11 },
        { library_id: other, month: '2025-03', visits: 2, scans: 0, book_opens: 0, uniques: 0, visits_phone: 0 },
      ]);
    } finally {
      await drop();
    }
  });
});
