import { sql, type Kysely } from 'kysely';

/**
 * Per-library monthly totals (issue 17, item 6: city dashboards at 56 libraries × 2 years).
 *
 * Why: a 2-year city page summed ~730 days × 56 libraries × every place's row of stats_daily at
 * request time (~200,000 rows at the bench's size). With one row per library and month, the whole
 * months of a period are read from here (56 × 24 rows) and only the loose days at either end from
 * stats_daily — the same split the books and searches rollups already use.
 *
 * Each row is the SUM of that library's stats_daily rows (every place) and stats_daily_site rows
 * (site-wide uniques) of the month. The rollup recomputes the rows of the months a chunk touched,
 * in the chunk's transaction, by re-summing the daily rows (not by adding): re-running a fold can
 * therefore never double count here, and the figures equal the daily ones by construction.
 * This migration fills it from the daily rollups that exist (they hold every folded event).
 *
 * Also a covering index on stats_daily by library and day: one library's days (a ward dashboard,
 * the city chart's five libraries by day or week) lie scattered over the table's pages, because
 * the rollup writes every library's rows of a day together; EXPLAIN showed a bitmap heap scan
 * touching ~1,500 pages for five libraries × one year. With the counters in the index, those
 * reads are index-only scans of adjacent entries. The same holds for the per-book and per-search
 * roll-ups a ward dashboard reads (top books, categories and searches): a 2-year ward page read
 * ~5,000 scattered pages of stats_monthly_books twice (48 ms each under load); covering indexes
 * make them index-only too. (Index-only scans need the visibility map, which autovacuum keeps.)
 */
const COVERING: Array<[name: string, table: string, keys: string, include: string]> = [
  [
    'stats_daily_library_day_idx',
    'stats_daily',
    'library_id, day',
    'location_key, visits, uniques, scans, bot_hits, book_opens, pages_read, searches, zero_searches, downloads, visits_phone, visits_tablet, visits_desktop',
  ],
  [
    'stats_daily_books_library_day_idx',
    'stats_daily_books',
    'library_id, day',
    'location_key, book_id, opens, pages_read, downloads, scans',
  ],
  ['stats_daily_searches_library_day_idx', 'stats_daily_searches', 'library_id, day', 'location_key, query, searches, zero_results'],
  [
    'stats_monthly_books_library_month_idx',
    'stats_monthly_books',
    'library_id, location_key, month',
    'book_id, opens, pages_read, downloads, scans',
  ],
  [
    'stats_monthly_searches_library_month_idx',
    'stats_monthly_searches',
    'library_id, location_key, month',
    'query, searches, zero_results',
  ],
];
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table stats_monthly_library (
      library_id integer not null references libraries(id),
      month date not null check (extract(day from month) = 1),
      visits bigint not null default 0,
      uniques bigint not null default 0,
      scans bigint not null default 0,
      bot_hits bigint not null default 0,
      book_opens bigint not null default 0,
      pages_read bigint not null default 0,
      searches bigint not null default 0,
      zero_searches bigint not null default 0,
      downloads bigint not null default 0,
      visits_phone bigint not null default 0,
      visits_tablet bigint not null default 0,
      visits_desktop bigint not null default 0,
      primary key (library_id, month)
    )`.execute(db);
  // The city pages read every library of a range of months.
  await sql`create index stats_monthly_library_month_idx on stats_monthly_library (month, library_id)`.execute(db);
  for (const [name, table, keys, include] of COVERING) {
    await sql`create index ${sql.ref(name)} on ${sql.table(table)} (${sql.raw(keys)}) include (${sql.raw(include)})`.execute(db);
  }
  await sql`
    insert into stats_monthly_library (library_id, month, visits, uniques, scans, bot_hits, book_opens, pages_read, searches,
                                       zero_searches, downloads, visits_phone, visits_tablet, visits_desktop)
    select k.library_id, k.month, coalesce(d.visits, 0), coalesce(u.uniques, 0), coalesce(d.scans, 0), coalesce(d.bot_hits, 0),
      coalesce(d.book_opens, 0), coalesce(d.pages_read, 0), coalesce(d.searches, 0), coalesce(d.zero_searches, 0),
      coalesce(d.downloads, 0), coalesce(d.phone, 0), coalesce(d.tablet, 0), coalesce(d.desktop, 0)
    from (
      select library_id, date_trunc('month', day)::date as month from stats_daily
      union
      select library_id, date_trunc('month', day)::date from stats_daily_site
    ) k
    left join (
      select library_id, date_trunc('month', day)::date as month, sum(visits) as visits, sum(scans) as scans, sum(bot_hits) as bot_hits,
        sum(book_opens) as book_opens, sum(pages_read) as pages_read, sum(searches) as searches, sum(zero_searches) as zero_searches,
        sum(downloads) as downloads, sum(visits_phone) as phone, sum(visits_tablet) as tablet, sum(visits_desktop) as desktop
      from stats_daily group by 1, 2
    ) d on d.library_id = k.library_id and d.month = k.month
    left join (
      select library_id, date_trunc('month', day)::date as month, sum(uniques) as uniques from stats_daily_site group by 1, 2
    ) u on u.library_id = k.library_id and u.month = k.month`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of COVERING) await sql`drop index if exists ${sql.ref(name)}`.execute(db);
  await sql`drop table if exists stats_monthly_library`.execute(db);
}
