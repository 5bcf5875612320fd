import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { StoredEvent } from './events.ts';

/**
 * Every writer of stats_events holds this advisory lock in shared mode for its whole transaction;
 * the rollup takes it exclusively for an instant to read max(id). When it gets the lock no insert
 * is in flight, so every id up to that max is committed: a watermark can never skip a row that
 * commits late (identity values are handed out before commit, not in commit order).
 */
export const EVENTS_WRITE_LOCK = 7_305_001;

export const ROLLUP_JOB = 'stats.rollup';

export class EventsRepository {
  constructor(
    private readonly db: Database,
    private readonly jobs: JobsRepository,
  ) {}

  /** Appends a batch and, in the same transaction, makes sure a rollup job is queued for it. */
  async insertBatch(rows: StoredEvent[], rollupAt: Date): Promise<void> {
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${EVENTS_WRITE_LOCK})`.execute(trx);
      // One array parameter per column (unnest) instead of eleven parameters per row: a 2,000-row
      // batch is then cheap to serialise and parse, which matters because it shares the CPU with
      // the scan redirects.
      const col = <K extends keyof StoredEvent>(k: K) => rows.map((r) => r[k]);
      await sql`
        insert into stats_events (library_id, occurred_at, kind, origin, location_id, book_id, query, result_count, pages, visitor_hash, device, is_bot, starts_visit)
        select * from unnest(${col('library_id')}::int[], ${col('occurred_at')}::timestamptz[], ${col('kind')}::text[], ${col('origin')}::text[], ${col('location_id')}::bigint[],
          ${col('book_id')}::bigint[], ${col('query')}::text[], ${col('result_count')}::int[], ${col('pages')}::int[],
          ${col('visitor_hash')}::bytea[], ${col('device')}::text[], ${col('is_bot')}::boolean[], ${col('starts_visit')}::boolean[])`.execute(
        trx,
      );
      await this.jobs.enqueue(ROLLUP_JOB, {}, { dedupeKey: ROLLUP_JOB, runAt: rollupAt, maxAttempts: 20 }, trx);
    });
  }

  /** Poster codes → location id and library (scans are attributed to the poster's library). */
  async locationsByCodes(codes: string[]): Promise<Map<string, { id: number; libraryId: number }>> {
    if (codes.length === 0) return new Map();
    const rows = await this.db.selectFrom('locations').select(['id', 'code', 'library_id']).where('code', 'in', codes).execute();
    return new Map(rows.map((r) => [r.code, { id: Number(r.id), libraryId: r.library_id }]));
  }

  /** Read at each flush that needs it (not cached): the default may change on another instance. */
  async defaultLibraryId(): Promise<number> {
    const row = await this.db.selectFrom('libraries').select('id').where('is_default', '=', true).executeTakeFirstOrThrow();
    return row.id;
  }

  async saltFor(day: string): Promise<Buffer | null> {
    const row = await this.db.selectFrom('stats_salts').select('salt').where('day', '=', day).executeTakeFirst();
    return row?.salt ?? null;
  }

  /** The day's salt, creating it if this is the first visitor of the day (first writer wins across processes). */
  async saltForToday(day: string, candidate: Buffer): Promise<Buffer> {
    await this.db
      .insertInto('stats_salts')
      .values({ day, salt: candidate })
      .onConflict((oc) => oc.column('day').doNothing())
      .execute();
    const salt = await this.saltFor(day);
    if (!salt) throw new Error(`salt for ${day} vanished`);
    return salt;
  }

  /** Forgets the salts of finished days, so their visitor hashes can never be recomputed. */
  async deleteSaltsBefore(day: string): Promise<number> {
    const r = await this.db.deleteFrom('stats_salts').where('day', '<', day).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async countSalts(): Promise<number> {
    const r = await this.db
      .selectFrom('stats_salts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async countEvents(filter: { kind?: StoredEvent['kind']; libraryId?: number } = {}): Promise<number> {
    let q = this.db.selectFrom('stats_events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.libraryId !== undefined) q = q.where('library_id', '=', filter.libraryId);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** A read-only check for anonymous beacons: only published books can have readers. */
  async isPublishedBook(bookId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('books')
      .select('id')
      .where('id', '=', bookId)
      .where('status', '=', 'published')
      .executeTakeFirst();
    return row !== undefined;
  }
}
