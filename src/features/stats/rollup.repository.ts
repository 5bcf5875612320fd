import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import { EVENTS_WRITE_LOCK } from './events.repository.ts';
import { LIBRARY_TIME_ZONE } from '../../infra/calendar.ts';
import { DIRECT_KEY, INACTIVE_KEY, SITE_KEY } from './location-keys.ts';

/**
 * The rollup SQL: folds a range of raw events (by id) into the hourly, daily and monthly tables.
 * Counters are added (on conflict … + excluded), so each range must be folded exactly once; the
 * watermark update in the same transaction guarantees that.
 */
export class RollupRepository {
  constructor(private readonly db: Database) {}

  /**
   * The highest event id below which every row is committed. Taking the write lock exclusively
   * waits for in-flight batch inserts (they hold it shared) and is released at once.
   */
  async committedUpperBound(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${EVENTS_WRITE_LOCK})`.execute(trx);
      const r = await sql<{ max: number | null }>`select max(id) as max from stats_events`.execute(trx);
      return Number(r.rows[0]?.max ?? 0);
    });
  }

  /**
   * Whether every committed event is folded, read without any lock: the common case of a dashboard
   * request, answered in one round trip instead of the three transactions of a (no-op) fold.
   */
  async isCurrent(): Promise<boolean> {
    const r = await sql<{ current: boolean }>`
      select coalesce((select max(id) from stats_events), 0) <= (select last_event_id from stats_rollup_state where name = 'events') as current`.execute(
      this.db,
    );
    return r.rows[0]?.current === true;
  }

  async watermark(): Promise<number> {
    const r = await this.db.selectFrom('stats_rollup_state').select('last_event_id').where('name', '=', 'events').executeTakeFirstOrThrow();
    return Number(r.last_event_id);
  }

  /**
   * Folds events (watermark, min(watermark + chunk, upper)] and advances the watermark, in one
   * transaction. The row lock on the watermark serialises concurrent rollups; each re-reads it.
   * Returns the new watermark, or null when there was nothing to do.
   */
  async foldNextChunk(upper: number, chunk: number): Promise<{ from: number; to: number; events: number } | null> {
    return this.db.transaction().execute(async (trx) => {
      const state = await sql<{
        last: number;
      }>`select last_event_id as last from stats_rollup_state where name = 'events' for update`.execute(trx);
      const lo = Number(state.rows[0]?.last ?? 0);
      if (lo >= upper) return null;
      const hi = Math.min(lo + chunk, upper);
      const ev = events(lo, hi);
      const tz = LIBRARY_TIME_ZONE;
      const counters = sql`
        count(*) filter (where is_visit and not is_bot),
        count(*) filter (where kind = 'scan' and not is_bot),
        count(*) filter (where is_bot),
        count(*) filter (where kind = 'book_open' and not is_bot),
        coalesce(sum(pages) filter (where kind = 'pages_read' and not is_bot), 0),
        count(*) filter (where kind = 'search' and not is_bot),
        count(*) filter (where kind = 'search' and not is_bot and result_count = 0),
        count(*) filter (where kind = 'download' and not is_bot)`;
      const addCounters = (t: string) =>
        sql.raw(
          ['visits', 'scans', 'bot_hits', 'book_opens', 'pages_read', 'searches', 'zero_searches', 'downloads']
            .map((c) => `${c} = ${t}.${c} + excluded.${c}`)
            .join(', '),
        );
      const counted = await sql<{ n: number }>`select count(*)::int as n from stats_events where id > ${lo} and id <= ${hi}`.execute(trx);

      await sql`
        insert into stats_hourly (library_id, hour, location_key, visits, scans, bot_hits, book_opens, pages_read, searches, zero_searches, downloads)
        select library_id, date_trunc('hour', occurred_at, 'UTC'), lk, ${counters} from ${ev} group by 1, 2, 3
        on conflict (library_id, hour, location_key) do update set ${addCounters('stats_hourly')}`.execute(trx);

      await sql`
        insert into stats_daily (library_id, day, location_key, visits, scans, bot_hits, book_opens, pages_read, searches, zero_searches, downloads,
                                 visits_phone, visits_tablet, visits_desktop)
        select library_id, (occurred_at at time zone ${tz})::date, lk, ${counters},
          count(*) filter (where is_visit and not is_bot and device = 'phone'),
          count(*) filter (where is_visit and not is_bot and device = 'tablet'),
          count(*) filter (where is_visit and not is_bot and device = 'desktop')
        from ${ev} group by 1, 2, 3
        on conflict (library_id, day, location_key) do update set ${addCounters('stats_daily')},
          visits_phone = stats_daily.visits_phone + excluded.visits_phone,
          visits_tablet = stats_daily.visits_tablet + excluded.visits_tablet,
          visits_desktop = stats_daily.visits_desktop + excluded.visits_desktop`.execute(trx);

      await sql`
        insert into stats_daily_books (library_id, day, location_key, book_id, opens, pages_read, downloads, scans)
        select library_id, (occurred_at at time zone ${tz})::date, lk, book_id,
          count(*) filter (where kind = 'book_open'),
          coalesce(sum(pages) filter (where kind = 'pages_read'), 0),
          count(*) filter (where kind = 'download'),
          count(*) filter (where kind = 'scan')
        from ${ev} where book_id is not null and not is_bot group by 1, 2, 3, 4
        on conflict (library_id, day, location_key, book_id) do update set
          opens = stats_daily_books.opens + excluded.opens,
          pages_read = stats_daily_books.pages_read + excluded.pages_read,
          downloads = stats_daily_books.downloads + excluded.downloads,
          scans = stats_daily_books.scans + excluded.scans`.execute(trx);

      await sql`
        insert into stats_daily_searches (library_id, day, location_key, query, searches, zero_results)
        select library_id, (occurred_at at time zone ${tz})::date, lk, query, count(*), count(*) filter (where result_count = 0)
        from ${ev} where kind = 'search' and query is not null and not is_bot group by 1, 2, 3, 4
        on conflict (library_id, day, location_key, query) do update set
          searches = stats_daily_searches.searches + excluded.searches,
          zero_results = stats_daily_searches.zero_results + excluded.zero_results`.execute(trx);

      // The same, by month, per place and once more for the library's whole site (SITE_KEY).
      await sql`
        insert into stats_monthly_books (library_id, month, location_key, book_id, opens, pages_read, downloads, scans)
        select library_id, date_trunc('month', occurred_at at time zone ${tz})::date, k.key, book_id,
          count(*) filter (where kind = 'book_open'),
          coalesce(sum(pages) filter (where kind = 'pages_read'), 0),
          count(*) filter (where kind = 'download'),
          count(*) filter (where kind = 'scan')
        from ${ev} cross join lateral (values (lk), (${SITE_KEY}::bigint)) as k(key)
        where book_id is not null and not is_bot group by 1, 2, 3, 4
        on conflict (library_id, location_key, month, book_id) do update set
          opens = stats_monthly_books.opens + excluded.opens,
          pages_read = stats_monthly_books.pages_read + excluded.pages_read,
          downloads = stats_monthly_books.downloads + excluded.downloads,
          scans = stats_monthly_books.scans + excluded.scans`.execute(trx);

      await sql`
        insert into stats_monthly_searches (library_id, month, location_key, query, searches, zero_results)
        select library_id, date_trunc('month', occurred_at at time zone ${tz})::date, k.key, query, count(*), count(*) filter (where result_count = 0)
        from ${ev} cross join lateral (values (lk), (${SITE_KEY}::bigint)) as k(key)
        where kind = 'search' and query is not null and not is_bot group by 1, 2, 3, 4
        on conflict (library_id, location_key, month, query) do update set
          searches = stats_monthly_searches.searches + excluded.searches,
          zero_results = stats_monthly_searches.zero_results + excluded.zero_results`.execute(trx);

      // Unique visitors: a hash counts once per library, day and location key, and once per library
      // and day site-wide (a person visiting two wards' sites counts in each: their figures are theirs).
      await sql`
        with seen as (
          select library_id, (occurred_at at time zone ${tz})::date as day, lk, visitor_hash from ${ev}
          where visitor_hash is not null and not is_bot
        ), fresh as (
          insert into stats_daily_visitors (library_id, day, location_key, visitor_hash)
          select library_id, day, lk, visitor_hash from seen
          union
          select library_id, day, ${SITE_KEY}::bigint, visitor_hash from seen
          on conflict do nothing
          returning library_id, day, location_key
        ), per_location as (
          insert into stats_daily (library_id, day, location_key, uniques)
          select library_id, day, location_key, count(*) from fresh where location_key <> ${SITE_KEY} group by 1, 2, 3
          on conflict (library_id, day, location_key) do update set uniques = stats_daily.uniques + excluded.uniques
        )
        insert into stats_daily_site (library_id, day, uniques)
        select library_id, day, count(*) from fresh where location_key = ${SITE_KEY} group by 1, 2
        on conflict (library_id, day) do update set uniques = stats_daily_site.uniques + excluded.uniques`.execute(trx);

      // The months this chunk touched, per library, re-summed from the daily rows just written
      // (set, not added: a month's row always equals its days, whatever ran before).
      await resumMonths(sql`
        select distinct library_id, date_trunc('month', occurred_at at time zone ${tz})::date as month
        from stats_events where id > ${lo} and id <= ${hi}`).execute(trx);

      await sql`update stats_rollup_state set last_event_id = ${hi}, updated_at = now() where name = 'events'`.execute(trx);
      return { from: lo, to: hi, events: counted.rows[0]?.n ?? 0 };
    });
  }

  /**
   * Re-sums every library's every month from the daily roll-ups. The fold keeps the monthly rows
   * current by itself; this repairs them after daily rows were written some other way (an
   * instance on a version before 0019 folding during a rolling upgrade, hand-made test fixtures).
   */
  async resumAllMonths(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // The watermark's row lock keeps folds out meanwhile (a fold committing between our read of
      // the days and our write of the months would otherwise be overwritten by older sums).
      await sql`select 1 from stats_rollup_state where name = 'events' for update`.execute(trx);
      await resumMonths(sql`
        select library_id, date_trunc('month', day)::date as month from stats_daily
        union
        select library_id, date_trunc('month', day)::date from stats_daily_site`).execute(trx);
    });
  }

  /** Visitor sets of days that can no longer receive events are useless: keep two days. */
  async pruneVisitorSets(beforeDay: string): Promise<number> {
    const r = await this.db.deleteFrom('stats_daily_visitors').where('day', '<', beforeDay).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/** The events of an id range with their location key (see StatsHourlyTable). */
function events(lo: number, hi: number): RawBuilder<unknown> {
  return sql`(
    select library_id, occurred_at, kind, is_bot, device, book_id, query, result_count, pages, visitor_hash,
      kind = 'visit' or (kind = 'scan' and starts_visit) as is_visit,
      case when origin = 'qr' and location_id is not null then location_id
           when origin = 'inactive' then ${INACTIVE_KEY}::bigint else ${DIRECT_KEY}::bigint end as lk
    from stats_events where id > ${lo} and id <= ${hi}
  ) as ev`;
}

/**
 * Sets stats_monthly_library's rows of the given (library_id, month) pairs to the sums of their
 * days in stats_daily (every place) and stats_daily_site (uniques).
 */
function resumMonths(touched: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    with touched as (${touched})
    insert into stats_monthly_library (library_id, month, visits, uniques, scans, bot_hits, book_opens, pages_read, searches,
                                       zero_searches, downloads, visits_phone, visits_tablet, visits_desktop)
    select t.library_id, t.month, coalesce(d.visits, 0), coalesce(u.uniques, 0), coalesce(d.scans, 0), coalesce(d.bot_hits, 0),
      coalesce(d.book_opens, 0), coalesce(d.pages_read, 0), coalesce(d.searches, 0), coalesce(d.zero_searches, 0),
      coalesce(d.downloads, 0), coalesce(d.phone, 0), coalesce(d.tablet, 0), coalesce(d.desktop, 0)
    from touched t
    cross join lateral (
      select sum(visits) as visits, sum(scans) as scans, sum(bot_hits) as bot_hits, sum(book_opens) as book_opens,
        sum(pages_read) as pages_read, sum(searches) as searches, sum(zero_searches) as zero_searches, sum(downloads) as downloads,
        sum(visits_phone) as phone, sum(visits_tablet) as tablet, sum(visits_desktop) as desktop
      from stats_daily where library_id = t.library_id and day >= t.month and day < (t.month + interval '1 month')::date
    ) d
    cross join lateral (
      select sum(uniques) as uniques from stats_daily_site
      where library_id = t.library_id and day >= t.month and day < (t.month + interval '1 month')::date
    ) u
    on conflict (library_id, month) do update set
      visits = excluded.visits, uniques = excluded.uniques, scans = excluded.scans, bot_hits = excluded.bot_hits,
      book_opens = excluded.book_opens, pages_read = excluded.pages_read, searches = excluded.searches,
      zero_searches = excluded.zero_searches, downloads = excluded.downloads, visits_phone = excluded.visits_phone,
      visits_tablet = excluded.visits_tablet, visits_desktop = excluded.visits_desktop`;
}
