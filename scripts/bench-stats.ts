/**
 * npm run bench:stats — statistics of a city at scale.
 *
 * Seeds 56 ward libraries (4 poster places each) and 2,000,000 events over two years (plus 400
 * books), measures the rollup (the full first fold, and an incremental fold of fresh events
 * recorded through the real buffer), then times over HTTP every ward dashboard view (as a ward
 * leader) and every city view (as a city leader), each with its p50 and p95. Target: every view's
 * p95 < 300 ms (issue 17); we aim for < 150 ms on a quiet machine, for margin. The load average
 * is printed with the figures (the machine may be shared: compare runs by their load).
 *
 * Uses its own throw-away embedded PostgreSQL (or BENCH_DATABASE_URL, where a fresh database is
 * created and dropped). Options: BENCH_EVENTS (default 2000000), BENCH_LIBRARIES (default 56),
 * BENCH_ROUNDS (default 40, so that a p95 is not simply the slowest request); BENCH_QUICK=1 for a
 * quick run (200,000 events, 20 rounds). Each view gets two warm-up requests first (as a running
 * server would have its views compiled and its connections open); nothing is cached between
 * requests: every request reads the database as a leader's first visit would.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { createContext, type AppContext, type ContextDeps } from '../src/context.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres.ts';
import { createLogger } from '../src/infra/logger.ts';
import { connectSearch } from '../src/infra/search-client.ts';

/** A context on a throw-away database; `stop()` removes everything. */
export async function benchContext(
  extra: Partial<ContextDeps> = {},
  env: Record<string, string> = {},
): Promise<{ ctx: AppContext; databaseUrl: string; stop(): Promise<void> }> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-bench-'));
  await fs.chmod(tmp, 0o755);
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? 'fatal', { bench: true });
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl: string;
  if (process.env.BENCH_DATABASE_URL) {
    const name = `tvs_bench_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.BENCH_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(process.env.BENCH_DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    stops.push(async () => {
      const a = new pg.Client({ connectionString: process.env.BENCH_DATABASE_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    });
  } else {
    const port = await freePort();
    const embedded = await startEmbeddedPostgres({
      baseDir: path.join(tmp, 'postgres'),
      port,
      password: crypto.randomBytes(12).toString('hex'),
      database: 'tvs_bench',
      log,
    });
    stops.push(embedded.stop);
    databaseUrl = embedded.url;
  }
  const config = loadConfig({
    NODE_ENV: 'production',
    STORAGE_DIR: path.join(tmp, 'storage'),
    LOG_LEVEL: 'warn',
    JOBS_CONCURRENCY: '0',
    COOKIE_SECURE: 'false',
    ...env,
  });
  // The statistics never query Meilisearch: a client pointing nowhere is enough.
  const search = await connectSearch({ url: 'http://127.0.0.1:1', apiKey: 'unused', prefix: 'bench_', log });
  const ctx = createContext({ config, log, databaseUrl, search, sessionSecret: crypto.randomBytes(32).toString('hex'), ...extra });
  await migrateToLatest(ctx.db);
  return {
    ctx,
    databaseUrl,
    async stop() {
      await ctx.close().catch((err: unknown) => console.error('close failed', err));
      for (const s of stops.reverse()) await s();
      await fs.rm(tmp, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (n: number) => `${n.toFixed(1)} ms`;

const QUERIES = [
  'truyện kiều',
  'dế mèn phiêu lưu ký',
  'lịch sử việt nam',
  'hồ chí minh',
  'toán lớp 9',
  'kỹ năng sống',
  'nhật ký đặng thùy trâm',
  'tắt đèn',
  'số đỏ',
  'harry potter',
  'đắc nhân tâm',
  'doraemon',
  'conan',
  'sách nấu ăn',
  'tiếng anh giao tiếp',
  'luật giao thông',
  'trồng rau sạch',
  'nuôi gà',
  'sơ cứu',
  'bóng đá',
  'cờ tướng',
  'truyện cổ tích',
  'ca dao tục ngữ',
  'địa lý 12',
  'văn mẫu',
];

/** Poster places per library in the seed. */
const PLACES_PER_LIBRARY = 4;

export async function seed(ctx: AppContext, events: number, libraries = 1): Promise<void> {
  const t0 = performance.now();
  // Library ids are 1 (the default, from the migration) … `libraries`; place g belongs to library 1 + (g - 1) / 4.
  await sql`
    insert into libraries (slug, name, union_name)
    select 'phuong-' || g, 'Phường ' || g, 'Đoàn phường ' || g from generate_series(2, ${libraries}) g`.execute(ctx.db);
  const places = libraries * PLACES_PER_LIBRARY;
  await sql`
    insert into locations (library_id, code, name, kind, ward)
    select 1 + (g - 1) / ${PLACES_PER_LIBRARY}, substr(md5(g::text), 1, 6), 'Điểm ' || g, (array['community_house','cafe','school','library','other'])[1 + g % 5], 'Phường ' || (1 + (g - 1) / ${PLACES_PER_LIBRARY})
    from generate_series(1, ${places}) g`.execute(ctx.db);
  // Every library's 4th place is deactivated (its QR code still arrives, counted as "inactive").
  await sql`update locations set active = false, deactivated_at = now() where id % ${PLACES_PER_LIBRARY} = 0`.execute(ctx.db);
  await sql`
    insert into book_files (sha256, size_bytes, storage_key, original_name)
    select md5(g::text) || md5((g + 1000)::text), 1000, md5(g::text) || '.pdf', 'b' || g || '.pdf' from generate_series(1, 400) g`.execute(
    ctx.db,
  );
  await sql`
    insert into books (library_id, file_id, title, status, ingest_status, page_count, published_at, index_pending)
    select 1 + g % ${libraries}, g, 'Sách số ' || g, 'published', 'indexed', 100, now() - (random() * 730) * interval '1 day', false from generate_series(1, 400) g`.execute(
    ctx.db,
  );
  await sql`insert into book_categories (book_id, category_id) select b.id, 1 + (b.id % 11) from books b`.execute(ctx.db);
  // Events arrive in time order in real life (and so lie clustered by day in the rollup tables):
  // each chunk covers the next slice of the two years, oldest first.
  const chunk = 100_000;
  const chunks = Math.ceil(events / chunk);
  for (let done = 0, k = 0; done < events; done += chunk, k++) {
    const n = Math.min(chunk, events - done);
    const sliceStart = 730 - (730 * k) / chunks;
    const sliceDays = 730 / chunks;
    // Kinds by share: visit 25%, scan 15%, search 15%, book_open 25%, pages_read 15%, download 5%.
    // 70 % through an active place's QR code, 25 % direct, 5 % through a deactivated place's code;
    // the event's library is its place's, or (direct) a random library.
    await sql`
      insert into stats_events (library_id, occurred_at, kind, origin, location_id, book_id, query, result_count, pages, visitor_hash, device, is_bot)
      select coalesce(1 + (loc - 1) / ${PLACES_PER_LIBRARY}, 1 + floor(r6 * ${libraries})::int), t, kind,
        case when r2 < 0.70 then 'qr' when r2 < 0.95 then 'direct' else 'inactive' end,
        loc,
        case when kind in ('book_open', 'pages_read', 'download') then 1 + floor(power(r4, 2) * 400)::int else null end,
        case when kind = 'search' then (${QUERIES}::text[])[1 + floor(power(r4, 1.5) * ${QUERIES.length})::int] || case when r4 > 0.8 then ' ' || floor(r3 * 50)::int else '' end else null end,
        case when kind = 'search' then case when r4 > 0.8 then 0 else 1 + floor(r3 * 30)::int end else null end,
        case when kind = 'pages_read' then 1 + floor(r3 * 40)::int else null end,
        case when bot then null else decode(md5(to_char(t, 'YYYY-MM-DD') || floor(r5 * 400)::int), 'hex') end,
        case when bot then null when r5 < 0.8 then 'phone' when r5 < 0.9 then 'tablet' else 'desktop' end,
        bot
      from (
      select *, case when r2 < 0.70 then floor(r3 * ${libraries})::int * ${PLACES_PER_LIBRARY} + 1 + floor(r6 * ${PLACES_PER_LIBRARY - 1})::int
          when r2 >= 0.95 then ${PLACES_PER_LIBRARY} * (1 + floor(r3 * ${libraries})::int) else null end as loc
      from (
        select now() - (${sliceStart} - random() * ${sliceDays}) * interval '1 day' as t, random() as r2, random() as r3, random() as r4, random() as r5, random() as r6, random() < 0.03 as bot,
          (array['visit','visit','visit','visit','visit','scan','scan','scan','search','search','search','book_open','book_open','book_open','book_open','book_open','pages_read','pages_read','pages_read','download'])[1 + floor(random() * 20)::int] as kind
        from generate_series(1, ${n})
      ) s0) s order by t`.execute(ctx.db);
    process.stdout.write(`\r  seeded ${(done + n).toLocaleString('en')} events`);
  }
  await sql`analyze`.execute(ctx.db);
  console.log(`\n  seed: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Signs in a leader of the default library (a ward leader), or a city leader (`city`). */
async function signInLeader(ctx: AppContext, base: string, email: string, city = false): Promise<string> {
  const libraryId = (await ctx.services.libraries.defaultLibrary()).id;
  const { user } = await ctx.services.users.createUser({
    email,
    displayName: 'Bí thư',
    role: 'leader',
    libraryId,
    password: 'bench-password-123',
  });
  if (city) await ctx.repos.users.setCityRole(user.id, 'city_leader');
  let cookie = '';
  const keep = (res: Response) => {
    const set = res.headers.getSetCookie().find((c) => c.startsWith('tvs.sid='));
    if (set) cookie = set.split(';')[0];
  };
  const form = await fetch(`${base}/dang-nhap`);
  keep(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
  const res = await fetch(`${base}/dang-nhap`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password: 'bench-password-123', next: '/admin' }),
  });
  keep(res);
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  return cookie;
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const events = Number(process.env.BENCH_EVENTS ?? (quick ? 200_000 : 2_000_000));
  const libraries = Number(process.env.BENCH_LIBRARIES ?? 56);
  const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 20 : 40));
  console.log(
    `bench:stats — ${events.toLocaleString('en')} events, 2 years, ${libraries} libraries × ${PLACES_PER_LIBRARY} places, 400 books (${cpuLoad()})`,
  );
  const bench = await benchContext();
  const { ctx } = bench;
  try {
    await seed(ctx, events, libraries);

    const full = await ctx.services.rollup.run();
    // Fresh tables have no planner statistics yet and an empty visibility map; autovacuum does both
    // within minutes in production (inserts trigger it too). Do it now so the timings below are
    // those of a running library (index-only scans of the city pages need the visibility map).
    await sql`vacuum analyze`.execute(ctx.db);
    console.log(
      `  rollup, first full fold: ${full.events.toLocaleString('en')} events in ${(full.ms / 1000).toFixed(1)} s (${Math.round(full.events / (full.ms / 1000)).toLocaleString('en')} events/s, ${full.chunks} chunks)`,
    );
    const sizes = await sql<{ t: string; n: number }>`
      select 'stats_daily' as t, count(*)::int as n from stats_daily union all select 'stats_hourly', count(*)::int from stats_hourly
      union all select 'stats_daily_books', count(*)::int from stats_daily_books union all select 'stats_daily_searches', count(*)::int from stats_daily_searches
      union all select 'stats_monthly_library', count(*)::int from stats_monthly_library`.execute(ctx.db);
    console.log(`  rollup rows: ${sizes.rows.map((r) => `${r.t} ${r.n.toLocaleString('en')}`).join(', ')}`);

    // Incremental: 10,000 fresh events through the real path (buffer → batch insert → fold).
    const req = (i: number) => ({ headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 13) Mobile' }, ip: `10.${i % 200}.${i % 250}.1` });
    for (let i = 0; i < 10_000; i++) ctx.services.events.record({ kind: 'book_open', bookId: 1 + (i % 400) }, req(i));
    await ctx.services.events.flush();
    const inc = await ctx.services.rollup.run();
    const again = await ctx.services.rollup.run();
    console.log(`  rollup, incremental: ${inc.events.toLocaleString('en')} new events in ${inc.ms} ms; nothing new: ${again.ms} ms`);

    const app = createApp(ctx);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ward = await signInLeader(ctx, base, 'leader@bench.vn');
    const city = await signInLeader(ctx, base, 'city@bench.vn', true);
    const year = `range=custom&from=${day(-365)}&to=${day(0)}`;
    const pages: Array<[string, string, string]> = [
      ['today', '/admin/stats?range=today'],
      ['7 days', '/admin/stats?range=7d'],
      ['30 days', '/admin/stats?range=30d'],
      ['this month', '/admin/stats?range=month'],
      ['30 days, one place', '/admin/stats?range=30d&location=2'],
      ['1 year, compared', '/admin/stats?range=custom&from=' + day(-365) + '&to=' + day(0) + '&compare=previous'],
      ['2 years (all data)', '/admin/stats?range=custom&from=' + day(-730) + '&to=' + day(0)],
      ['monthly report', '/admin/stats/report'],
      ['CSV books, 1 year', '/admin/stats/export/books.csv?range=custom&from=' + day(-365) + '&to=' + day(0)],
      ['CSV no-results, 1 year', '/admin/stats/export/no-results.csv?range=custom&from=' + day(-365) + '&to=' + day(0)],
    ].map(([name, url]) => ['ward', `ward: ${name}`, url] as [string, string, string]);
    // A city leader's pages: every library, ranked, compared; the CSV and the printable report.
    const cityPages: Array<[string, string]> = [
      ['city: 30 days', '/thanh-pho/thong-ke?range=30d'],
      ['city: this month, by scans', '/thanh-pho/thong-ke?range=month&sort=scans'],
      ['city: 1 year', `/thanh-pho/thong-ke?${year}`],
      ['city: 2 years (all data)', `/thanh-pho/thong-ke?range=custom&from=${day(-730)}&to=${day(0)}`],
      ['city: 5 libraries compared', `/thanh-pho/thong-ke?${year}&libs=2,9,17,30,44`],
      ['city: CSV, 1 year', `/thanh-pho/thong-ke/thu-vien.csv?${year}`],
      ['city: report, 30 days', '/thanh-pho/thong-ke/bao-cao?range=30d'],
      ['ward by slug (city leader)', '/phuong-9/admin/stats?range=30d'],
    ];
    for (const [name, url] of cityPages) pages.push(['city', name, url]);
    const all: number[] = [];
    const byGroup: Record<string, number[]> = { ward: [], city: [] };
    console.log(
      `\n  dashboards over HTTP (${rounds} rounds each after 2 warm-ups; ward pages as a ward leader, city pages as a city leader; ${cpuLoad()}):`,
    );
    console.log(`  ${'page'.padEnd(30)} ${'p50'.padStart(10)} ${'p95'.padStart(10)} ${'max'.padStart(10)}  p95 < 300 ms   p95 < 150 ms`);
    let over300 = 0;
    let over150 = 0;
    for (const [group, name, url] of pages) {
      const cookie = group === 'city' ? city : ward;
      const times: number[] = [];
      for (let i = 0; i < rounds + 2; i++) {
        const t = performance.now();
        const res = await fetch(base + url, { headers: { cookie } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
        if (i >= 2) times.push(performance.now() - t); // two warm-up requests
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      byGroup[group].push(...times);
      const viewP95 = percentile(times, 95);
      if (viewP95 >= 300) over300++;
      if (viewP95 >= 150) over150++;
      console.log(
        `  ${name.padEnd(30)} ${ms(percentile(times, 50)).padStart(10)} ${ms(viewP95).padStart(10)} ${ms(times[times.length - 1]).padStart(10)}  ${(viewP95 < 300 ? 'met' : 'NOT MET').padEnd(13)} ${viewP95 < 150 ? 'met' : 'not met'}`,
      );
    }
    for (const [label, list] of [
      ['ALL ward pages', byGroup.ward],
      ['ALL city pages', byGroup.city],
      ['ALL', all],
    ] as const) {
      list.sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(30)} ${ms(percentile(list, 50)).padStart(10)} ${ms(percentile(list, 95)).padStart(10)} ${ms(list[list.length - 1]).padStart(10)}`,
      );
    }
    console.log(
      `\n  target p95 < 300 ms for every view: ${over300 === 0 ? 'MET' : `NOT MET (${over300} of ${pages.length} views over)`}; margin goal < 150 ms: ${over150 === 0 ? 'met' : `${over150} of ${pages.length} views over`} (${cpuLoad()})`,
    );
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  } finally {
    await bench.stop();
  }
}

/** The 1/5/15-minute load averages and the core count: figures from a shared machine need them. */
function cpuLoad(): string {
  return `load average ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(', ')} on ${os.cpus().length} cores`;
}

function day(offset: number): string {
  return new Date(Date.now() + 7 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
