import { sql, type Kysely } from 'kysely';

/**
 * City statistics (issue 17, item 6): every statistics event and every rollup row belongs to a
 * library, so each ward's dashboard reads only its own rows and the city pages group by library.
 *
 * Fast on a large stats_events table (millions of rows): the column is added WITH a constant
 * default (the default library's id), which PostgreSQL ≥ 11 stores once in the catalogue instead of
 * rewriting the table; the default is then dropped (existing rows keep the stored value, new rows
 * must name their library). The foreign key on stats_events is added NOT VALID: it checks every new
 * row without scanning the old ones, which all carry the default library by construction. No index
 * is built on stats_events: the rollup reads it by id range and dashboards never read it.
 * The rollup tables are small (days × places), so their primary keys are simply rebuilt with
 * library_id in front; that is also the order the per-library dashboards read them in.
 */
const ROLLUPS: Array<{ table: string; pk: string; oldPk: string }> = [
  { table: 'stats_hourly', pk: 'library_id, hour, location_key', oldPk: 'stats_hourly_pkey' },
  { table: 'stats_daily', pk: 'library_id, day, location_key', oldPk: 'stats_daily_pkey' },
  { table: 'stats_daily_site', pk: 'library_id, day', oldPk: 'stats_daily_site_pkey' },
  { table: 'stats_daily_visitors', pk: 'library_id, day, location_key, visitor_hash', oldPk: 'stats_daily_visitors_pkey' },
  { table: 'stats_daily_books', pk: 'library_id, day, location_key, book_id', oldPk: 'stats_daily_books_pkey' },
  { table: 'stats_daily_searches', pk: 'library_id, day, location_key, query', oldPk: 'stats_daily_searches_pkey' },
  { table: 'stats_monthly_books', pk: 'library_id, location_key, month, book_id', oldPk: 'stats_monthly_books_pkey' },
  { table: 'stats_monthly_searches', pk: 'library_id, location_key, month, query', oldPk: 'stats_monthly_searches_pkey' },
  { table: 'reading_credits', pk: 'library_id, day, visitor, book_id', oldPk: 'reading_credits_pkey' },
  { table: 'book_open_counts', pk: 'library_id, book_id', oldPk: 'book_open_counts_pkey' },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const r = await sql<{ id: number }>`select id from libraries where is_default`.execute(db);
  const defaultId = r.rows[0]?.id;
  if (defaultId === undefined) throw new Error('0016_city_stats: no default library (0014 must run first)');
  const lit = sql.lit(Number(defaultId));

  await sql`alter table stats_events add column library_id integer not null default ${lit}`.execute(db);
  await sql`alter table stats_events alter column library_id drop default`.execute(db);
  await sql`alter table stats_events add constraint stats_events_library_fk foreign key (library_id) references libraries(id) not valid`.execute(
    db,
  );

  for (const { table, pk, oldPk } of ROLLUPS) {
    await sql`alter table ${sql.table(table)} add column library_id integer not null default ${lit} references libraries(id)`.execute(db);
    await sql`alter table ${sql.table(table)} alter column library_id drop default`.execute(db);
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(oldPk)}`.execute(db);
    await sql`alter table ${sql.table(table)} add primary key (${sql.raw(pk)})`.execute(db);
  }
  // The city pages sum every library's counters over a day range: by day first, the counters
  // included so that (once autovacuum has marked old days all-visible) it is an index-only scan.
  await sql`drop index if exists stats_daily_location_idx`.execute(db);
  await sql`
    create index stats_daily_day_idx on stats_daily (day, library_id)
    include (visits, scans, book_opens, pages_read, searches, zero_searches, downloads)`.execute(db);
  await sql`create index stats_daily_site_day_idx on stats_daily_site (day, library_id)`.execute(db);
  // Most-opened books of one library (the public "popular" list).
  await sql`drop index if exists book_open_counts_opens_idx`.execute(db);
  await sql`create index book_open_counts_opens_idx on book_open_counts (library_id, opens desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists stats_daily_day_idx`.execute(db);
  await sql`drop index if exists stats_daily_site_day_idx`.execute(db);
  await sql`drop index if exists book_open_counts_opens_idx`.execute(db);
  for (const { table, pk, oldPk } of ROLLUPS) {
    const old = pk.replace('library_id, ', '');
    await sql`delete from ${sql.table(table)} where library_id <> (select id from libraries where is_default)`.execute(db);
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_pkey`)}`.execute(db);
    await sql`alter table ${sql.table(table)} drop column library_id`.execute(db);
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(oldPk)} primary key (${sql.raw(old)})`.execute(db);
  }
  await sql`create index book_open_counts_opens_idx on book_open_counts (opens desc)`.execute(db);
  await sql`create index stats_daily_location_idx on stats_daily (location_key, day)`.execute(db);
  await sql`alter table stats_events drop column library_id`.execute(db);
}
