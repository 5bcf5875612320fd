import { sql, type Kysely } from 'kysely';

/**
 * Locations (QR posters) and statistics: raw events appended in batches, a per-day random salt for
 * unique visitors, and the hourly/daily rollups the dashboards read, kept current by a job that
 * reads events past a stored watermark.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table locations (
      id bigint generated always as identity primary key,
      code text not null unique check (code ~ '^[a-z0-9]{4,16}$'),
      name text not null,
      kind text not null check (kind in ('community_house', 'cafe', 'school', 'library', 'other')),
      address text not null default '',
      ward text not null default '',
      note text,
      contact text,
      active boolean not null default true,
      deactivated_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  // No foreign key to books: a deleted book's history still counts in past reports.
  await sql`
    create table stats_events (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null,
      kind text not null check (kind in ('scan', 'visit', 'search', 'book_open', 'pages_read', 'download')),
      origin text not null check (origin in ('qr', 'direct', 'inactive')),
      location_id bigint references locations(id),
      book_id bigint,
      query text,
      result_count integer,
      pages integer,
      visitor_hash bytea,
      device text check (device in ('phone', 'tablet', 'desktop')),
      is_bot boolean not null default false,
      -- A scan that also started a visit (one row instead of two on the hottest path).
      starts_visit boolean not null default false
    )`.execute(db);
  await sql`create index stats_events_occurred_idx on stats_events using brin (occurred_at)`.execute(db);

  await sql`
    create table stats_salts (
      day date primary key,
      salt bytea not null,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table stats_rollup_state (
      name text primary key,
      last_event_id bigint not null default 0,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`insert into stats_rollup_state (name, last_event_id) values ('events', 0)`.execute(db);

  const counters = sql`
      visits integer not null default 0,
      scans integer not null default 0,
      bot_hits integer not null default 0,
      book_opens integer not null default 0,
      pages_read bigint not null default 0,
      searches integer not null default 0,
      zero_searches integer not null default 0,
      downloads integer not null default 0`;
  await sql`
    create table stats_hourly (
      hour timestamptz not null,
      location_key bigint not null,
      ${counters},
      primary key (hour, location_key)
    )`.execute(db);
  await sql`
    create table stats_daily (
      day date not null,
      location_key bigint not null,
      ${counters},
      uniques integer not null default 0,
      visits_phone integer not null default 0,
      visits_tablet integer not null default 0,
      visits_desktop integer not null default 0,
      primary key (day, location_key)
    )`.execute(db);
  await sql`create index stats_daily_location_idx on stats_daily (location_key, day)`.execute(db);
  await sql`create table stats_daily_site (day date primary key, uniques integer not null default 0)`.execute(db);
  await sql`
    create table stats_daily_visitors (
      day date not null,
      location_key bigint not null,
      visitor_hash bytea not null,
      primary key (day, location_key, visitor_hash)
    )`.execute(db);
  await sql`
    create table stats_daily_books (
      day date not null,
      location_key bigint not null,
      book_id bigint not null,
      opens integer not null default 0,
      pages_read bigint not null default 0,
      downloads integer not null default 0,
      scans integer not null default 0,
      primary key (day, location_key, book_id)
    )`.execute(db);
  await sql`
    create table stats_daily_searches (
      day date not null,
      location_key bigint not null,
      query text not null,
      searches integer not null default 0,
      zero_results integer not null default 0,
      primary key (day, location_key, query)
    )`.execute(db);

  // Monthly copies of the two biggest rollups, with a site-wide row (location_key -2) besides the
  // per-place rows: a one- or two-year dashboard then reads a few thousand rows, not half a million.
  await sql`
    create table stats_monthly_books (
      month date not null,
      location_key bigint not null,
      book_id bigint not null,
      opens integer not null default 0,
      pages_read bigint not null default 0,
      downloads integer not null default 0,
      scans integer not null default 0,
      primary key (location_key, month, book_id)
    )`.execute(db);
  await sql`
    create table stats_monthly_searches (
      month date not null,
      location_key bigint not null,
      query text not null,
      searches integer not null default 0,
      zero_results integer not null default 0,
      primary key (location_key, month, query)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'stats_monthly_searches',
    'stats_monthly_books',
    'stats_daily_searches',
    'stats_daily_books',
    'stats_daily_visitors',
    'stats_daily_site',
    'stats_daily',
    'stats_hourly',
    'stats_rollup_state',
    'stats_salts',
    'stats_events',
    'locations',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
}
