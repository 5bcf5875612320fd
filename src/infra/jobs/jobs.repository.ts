import { sql, type ExpressionBuilder } from 'kysely';
import type { DB } from '../../db/schema/index.ts';
import type { Database } from '../../db/database.ts';
import type { Job, JobStatus } from '../../db/schema/jobs.ts';

/**
 * Whose jobs: 'all' (the whole install: city admins), or one library's — the jobs about its books
 * or its ZIP imports, plus, for the default library (the install's own, as before there were
 * several), the jobs of no library (statistics, maintenance).
 */
export type JobScope = 'all' | { libraryId: number; withUnowned: boolean };

function inScope(scope: JobScope) {
  return (eb: ExpressionBuilder<DB, 'jobs'>) => {
    if (scope === 'all') return eb.val(true);
    const { libraryId } = scope;
    const bookId = sql<string>`jobs.payload->>'bookId'`;
    const importId = sql<string>`jobs.payload->>'importId'`;
    return eb.or([
      eb(
        bookId,
        'in',
        eb
          .selectFrom('books')
          .select(sql<string>`books.id::text`.as('id'))
          .where('books.library_id', '=', libraryId),
      ),
      eb(
        importId,
        'in',
        eb
          .selectFrom('book_imports')
          .select(sql<string>`book_imports.id::text`.as('id'))
          .where('book_imports.library_id', '=', libraryId),
      ),
      ...(scope.withUnowned ? [eb.and([eb(bookId, 'is', null), eb(importId, 'is', null)])] : []),
    ]);
  };
}

export interface EnqueueOptions {
  priority?: number;
  maxAttempts?: number;
  runAt?: Date;
  /** While a job with this key is queued or running, enqueueing another is a no-op. */
  dedupeKey?: string;
}

/** last_error of a job whose worker stopped (crash, kill) during its last allowed attempt. */
export const LEASE_EXHAUSTED = 'lease expired during the last allowed attempt: the worker stopped (crash or out of memory)';

export class JobsRepository {
  constructor(private readonly db: Database) {}

  /** Inserts a job; pass a transaction as `db` to enqueue atomically with the change that needs it. */
  async enqueue(type: string, payload: Record<string, unknown>, opts: EnqueueOptions = {}, db: Database = this.db): Promise<number | null> {
    const row = await db
      .insertInto('jobs')
      .values({
        type,
        payload: JSON.stringify(payload),
        priority: opts.priority ?? 100,
        max_attempts: opts.maxAttempts ?? 5,
        run_at: opts.runAt ?? sql<Date>`now()`,
        dedupe_key: opts.dedupeKey ?? null,
        locked_by: null,
        locked_until: null,
        last_error: null,
        finished_at: null,
      })
      .onConflict((oc) =>
        oc.column('dedupe_key').where('dedupe_key', 'is not', null).where('status', 'in', ['queued', 'running']).doNothing(),
      )
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  /**
   * Claims up to `limit` runnable jobs: queued and due, or running with an expired lease (their
   * worker died) and attempts left. SKIP LOCKED lets several workers and processes claim side by side.
   */
  async claim(types: string[], limit: number, workerId: string, leaseMs: number): Promise<Job[]> {
    if (types.length === 0 || limit <= 0) return [];
    await this.failExhaustedLeases(types);
    const result = await sql<Job>`
      update jobs set status = 'running', attempts = attempts + 1, locked_by = ${workerId},
        locked_until = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
      where id in (
        select id from jobs
        where type = any(${types}::text[])
          and ((status = 'queued' and run_at <= now()) or (status = 'running' and locked_until < now() and attempts < max_attempts))
        order by priority, run_at, id
        for update skip locked
        limit ${limit}
      )
      returning *`.execute(this.db);
    return result.rows;
  }

  /**
   * A job whose worker vanished during its last allowed attempt (a PDF that crashes the process,
   * an out-of-memory kill) ends failed and listed, instead of being retried on every restart.
   */
  async failExhaustedLeases(types: string[]): Promise<number> {
    const r = await sql`
      update jobs set status = 'failed', locked_by = null, locked_until = null, finished_at = now(), updated_at = now(),
        last_error = ${LEASE_EXHAUSTED}
      where id in (
        select id from jobs
        where type = any(${types}::text[]) and status = 'running' and locked_until < now() and attempts >= max_attempts
        for update skip locked
      )`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }

  /**
   * True while `workerId` still holds the job's lease. Pass the transaction that makes a job's final
   * writes: the row is locked (FOR UPDATE), so no other worker can claim it before that commit.
   */
  async holdsLease(id: number, workerId: string, db: Database = this.db): Promise<boolean> {
    const row = await db
      .selectFrom('jobs')
      .select('id')
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .forUpdate()
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes succeeded jobs finished more than `olderThanMs` ago (failed ones stay, for people to see). */
  async deleteSucceeded(olderThanMs: number, limit = 5000): Promise<number> {
    const r = await sql`
      delete from jobs where id in (
        select id from jobs where status = 'succeeded' and finished_at < now() - ${olderThanMs} * interval '1 millisecond'
        order by id limit ${limit}
      )`.execute(this.db);
    return Number(r.numAffectedRows ?? 0n);
  }

  async renewLease(id: number, workerId: string, leaseMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ locked_until: sql`now() + ${leaseMs} * interval '1 millisecond'`, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async markSucceeded(id: number, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'succeeded', locked_by: null, locked_until: null, finished_at: sql`now()`, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
  }

  /** Schedules a retry after `retryInMs`, or marks the job failed for good when null. */
  async markFailed(
    id: number,
    workerId: string,
    error: string,
    retryInMs: number | null,
    opts: { refundAttempt?: boolean } = {},
  ): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set(
        retryInMs === null
          ? { status: 'failed', last_error: error, locked_by: null, locked_until: null, finished_at: sql`now()`, updated_at: sql`now()` }
          : {
              status: 'queued',
              ...(opts.refundAttempt ? { attempts: sql<number>`greatest(attempts - 1, 0)` } : {}),
              last_error: error,
              locked_by: null,
              locked_until: null,
              run_at: sql`now() + ${retryInMs} * interval '1 millisecond'`,
              updated_at: sql`now()`,
            },
      )
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
  }

  /** A job interrupted by a graceful stop goes back to the queue without costing an attempt. */
  async release(id: number, workerId: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'queued', attempts: sql`greatest(attempts - 1, 0)`, locked_by: null, locked_until: null, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .execute();
  }

  async retryNow(id: number, scope: JobScope = 'all'): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ status: 'queued', attempts: 0, run_at: sql`now()`, finished_at: null, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .where(inScope(scope))
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /**
   * Makes queued jobs of `type` that are waiting out a retry backoff due now — used when the
   * service they need (e.g. Meilisearch) is reachable again, so catching up does not wait an hour.
   */
  async expedite(type: string): Promise<number> {
    const r = await this.db
      .updateTable('jobs')
      .set({ run_at: sql`now()`, updated_at: sql`now()` })
      .where('type', '=', type)
      .where('status', '=', 'queued')
      .where('run_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async findById(id: number): Promise<Job | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: { status?: JobStatus; limit: number; scope?: JobScope }): Promise<Job[]> {
    let q = this.db
      .selectFrom('jobs')
      .selectAll()
      .where(inScope(filter.scope ?? 'all'))
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.execute();
  }

  async countByStatus(scope: JobScope = 'all'): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .where(inScope(scope))
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const out: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }
}
