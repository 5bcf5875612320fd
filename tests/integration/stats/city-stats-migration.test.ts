import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.ts';
import { migrateToLatest } from '../../../src/db/migrate.ts';
import { databaseAt } from '../../helpers/database-at.ts';

/**
 * An install with statistics (schema 0014, before 0016_city_stats) migrated: every event and every
 * roll-up row now belongs to the default library, nothing is lost, and the next roll-up adds to
 * the same rows (the widened primary keys still match).
 */
let db: Database;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, drop } = await databaseAt('0014_libraries', 'tvs_mig16'));
});

afterAll(async () => {
  await drop?.();
});

describe('migration 0016_city_stats on a database with statistics', () => {
  it('gives every event and roll-up row the default library and keeps every figure', async () => {
    await sql`
      insert into stats_events (occurred_at, kind, origin, is_bot, starts_visit)
      select now() - g * interval '1 minute', 'visit', 'direct', false, false from generate_series(1, 500) g`.execute(db);
    await sql`insert into stats_daily (day, location_key, visits, scans) values ('2025-03-10', 0, 500, 7)`.execute(db);
    await sql`insert into stats_daily_site (day, uniques) values ('2025-03-10', 42)`.execute(db);
    await sql`insert into stats_monthly_searches (month, location_key, query, searches) values ('2025-03-01', -2, 'truyện kiều', 9)`.execute(
      db,
    );

    await migrateToLatest(db);

    const lib = await sql<{ id: number }>`select id from libraries where is_default`.execute(db);
    const defaultId = lib.rows[0].id;
    const events = await sql<{ library_id: number; n: number }>`
      select library_id, count(*)::int as n from stats_events group by 1`.execute(db);
    expect(events.rows).toEqual([{ library_id: defaultId, n: 500 }]);
    const daily = await sql<Record<string, unknown>>`select library_id, visits, scans from stats_daily`.execute(db);
    expect(daily.rows).toEqual([{ library_id: defaultId, visits: 500, scans: 7 }]);
    const site = await sql<Record<string, unknown>>`select library_id, uniques from stats_daily_site`.execute(db);
    expect(site.rows).toEqual([{ library_id: defaultId, uniques: 42 }]);
    const monthly = await sql<Record<string, unknown>>`select library_id, searches from stats_monthly_searches`.execute(db);
    expect(monthly.rows).toEqual([{ library_id: defaultId, searches: 9 }]);

    // New rows must name their library (no default left behind), and it must exist.
    await expect(
      sql`insert into stats_events (occurred_at, kind, origin, is_bot, starts_visit) values (now(), 'visit', 'direct', false, false)`.execute(
        db,
      ),
    ).rejects.toThrow(/library_id/);
    await expect(
      sql`insert into stats_events (library_id, occurred_at, kind, origin, is_bot, starts_visit) values (999999, now(), 'visit', 'direct', false, false)`.execute(
        db,
      ),
    ).rejects.toThrow(/stats_events_library_fk/);
    // The widened key: the same day and place in another library is another row.
    const other = await sql<{ id: number }>`insert into libraries (slug, name) values ('phuong-2', 'Phường 2') returning id`.execute(db);
    await sql`insert into stats_daily (library_id, day, location_key, visits) values (${other.rows[0].id}, '2025-03-10', 0, 3)`.execute(db);
    const count = await sql<{ n: number }>`select count(*)::int as n from stats_daily where day = '2025-03-10'`.execute(db);
    expect(count.rows[0].n).toBe(2);
  });
});
