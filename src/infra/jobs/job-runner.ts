import crypto from 'node:crypto';
import os from 'node:os';
import type { Database } from '../../db/database.ts';
import type { Job, JobStatus } from '../../db/schema/jobs.ts';
import { isDiskFull } from '../faults.ts';
import type { Logger } from '../logger.ts';
import type { EnqueueOptions, JobScope, JobsRepository } from './jobs.repository.ts';

export interface JobContext {
  job: Job;
  /**
   * Aborted when the runner stops or the job's lease is lost (renewal refused, or impossible until
   * the lease ran out: another worker may now run it). Long handlers should check it and return early.
   */
  signal: AbortSignal;
  /**
   * Throws LeaseLostError unless this worker still holds the job. Call it inside the transaction
   * that makes the job's final writes (pass it as `db`): the job row is locked until that commits,
   * so a worker that lost its lease cannot overwrite what the new holder does.
   */
  assertLease(db?: Database): Promise<void>;
}

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<void>;

export interface JobRunnerOptions {
  concurrency: number;
  pollMs: number;
  /** How long a claim lasts without renewal; a crashed worker's jobs are retried after this. */
  leaseMs?: number;
  /** Base delay of the exponential retry backoff. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Succeeded jobs are deleted this long after they finish (failed ones stay listed). */
  retentionMs?: number;
  /** How often the retention sweep runs (at most), from the poll loop. */
  retentionSweepMs?: number;
}

/** The job's lease is gone: another worker may be running it, so this one must not write its results. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** Thrown by a handler for an error that retrying cannot fix (e.g. a corrupt file). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/**
 * The one background-work runner: jobs live in PostgreSQL, so they survive restarts,
 * are retried with exponential backoff, and failures stay visible on the admin jobs page.
 */
/** What code that queues work in its own transaction needs from the runner: a nudge to look now. */
export interface JobWaker {
  wake(): void;
}

export class JobRunner implements JobWaker {
  readonly workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly inFlight = new Map<number, { promise: Promise<void>; abort: AbortController }>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private polling: Promise<void> | null = null;
  private readonly leaseMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly retentionMs: number;
  private readonly retentionSweepMs: number;
  private lastSweep = 0;

  constructor(
    private readonly repo: JobsRepository,
    private readonly log: Logger,
    private readonly opts: JobRunnerOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.backoffBaseMs = opts.backoffBaseMs ?? 5_000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 3_600_000;
    this.retentionMs = opts.retentionMs ?? 24 * 3_600_000;
    this.retentionSweepMs = opts.retentionSweepMs ?? 10 * 60_000;
  }

  /** Deletes succeeded jobs past the retention period (statistics roll-ups alone queue one every few seconds). */
  async sweepFinished(): Promise<number> {
    this.lastSweep = Date.now();
    let total = 0;
    for (let n = -1; n !== 0; total += n) n = await this.repo.deleteSucceeded(this.retentionMs);
    if (total) this.log.info({ deleted: total }, 'old succeeded jobs deleted');
    return total;
  }

  register(type: string, handler: JobHandler): void {
    if (this.handlers.has(type)) throw new Error(`job type ${type} registered twice`);
    this.handlers.set(type, handler);
  }

  async enqueue(type: string, payload: Record<string, unknown>, opts?: EnqueueOptions): Promise<number | null> {
    const id = await this.repo.enqueue(type, payload, opts);
    this.wake();
    return id;
  }

  start(): void {
    if (this.running || this.opts.concurrency === 0) return;
    this.running = true;
    this.schedule(0);
  }

  /** The staff page's view of the queue: the latest jobs (optionally of one status) and counts per status. */
  async overview(
    status: JobStatus | undefined,
    scope: JobScope = 'all',
    limit = 200,
  ): Promise<{ jobs: Job[]; counts: Record<JobStatus, number> }> {
    const [jobs, counts] = await Promise.all([this.repo.list({ status, limit, scope }), this.repo.countByStatus(scope)]);
    return { jobs, counts };
  }

  /** Makes a failed or waiting job due now (staff's "retry"); false when there is no such job. */
  async retryNow(id: number, scope: JobScope = 'all'): Promise<boolean> {
    const found = await this.repo.retryNow(id, scope);
    if (found) this.wake();
    return found;
  }

  /** Asks the loop to look for work now instead of at the next poll (e.g. after an enqueue). */
  wake(): void {
    if (this.running && !this.polling) this.schedule(0);
  }

  /** Claims and runs whatever is due, once. Tests use this to drive the queue step by step. */
  async runDueJobs(): Promise<number> {
    const free = Math.max(this.opts.concurrency, 1) - this.inFlight.size;
    const jobs = await this.repo.claim([...this.handlers.keys()], free, this.workerId, this.leaseMs);
    for (const job of jobs) this.execute(job);
    return jobs.length;
  }

  /** Waits for the jobs currently running (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((f) => f.promise));
  }

  /** Stops claiming, lets running jobs finish within `timeoutMs`, then aborts and releases the rest. */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    const all = Promise.allSettled([...this.inFlight.values()].map((f) => f.promise));
    const timedOut = await Promise.race([all.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) {
      for (const f of this.inFlight.values()) f.abort.abort();
      await all;
    }
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.polling = this.poll().finally(() => {
        this.polling = null;
        if (this.running) this.schedule(this.opts.pollMs);
      });
    }, delay);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    try {
      if (this.inFlight.size < this.opts.concurrency) await this.runDueJobs();
      if (Date.now() - this.lastSweep >= this.retentionSweepMs) await this.sweepFinished();
    } catch (err) {
      this.log.error({ err }, 'job queue poll failed');
    }
  }

  private execute(job: Job): void {
    const handler = this.handlers.get(job.type);
    const abort = new AbortController();
    let lost = false;
    let leaseUntil = Date.now() + this.leaseMs;
    const loseLease = (reason: string, err?: unknown) => {
      if (lost) return;
      lost = true;
      this.log.warn({ err, jobId: job.id, type: job.type }, `job lease lost (${reason}); stopping it`);
      abort.abort(new LeaseLostError(reason));
    };
    const renew = setInterval(
      () => {
        const asked = Date.now();
        this.repo.renewLease(job.id, this.workerId, this.leaseMs).then(
          (held) => (held ? (leaseUntil = asked + this.leaseMs) : loseLease('taken over or finished elsewhere')),
          (err: unknown) => {
            // Unreachable database: past the lease's end another worker may claim the job.
            if (Date.now() >= leaseUntil) loseLease('could not be renewed before it expired', err);
            else this.log.warn({ err, jobId: job.id }, 'lease renewal failed; will try again');
          },
        );
      },
      Math.max(this.leaseMs / 3, 50),
    );
    renew.unref?.();
    const assertLease = async (db?: Database) => {
      if (lost || !(await this.repo.holdsLease(job.id, this.workerId, db))) {
        loseLease('no longer held at a final write');
        throw new LeaseLostError(`job ${job.id} is no longer held by this worker`);
      }
    };
    const promise = (async () => {
      const started = Date.now();
      try {
        if (!handler) throw new PermanentJobError(`no handler for job type ${job.type}`);
        await handler(job.payload, { job, signal: abort.signal, assertLease });
        if (lost) throw new LeaseLostError('lease lost while running');
        await this.repo.markSucceeded(job.id, this.workerId);
        this.log.info({ jobId: job.id, type: job.type, ms: Date.now() - started }, 'job done');
      } catch (err) {
        // A lost job belongs to whoever holds it now: record nothing over their work.
        if (lost || err instanceof LeaseLostError) this.log.warn({ jobId: job.id, type: job.type }, 'job stopped: lease lost');
        else await this.recordFailure(job, err, abort.signal.aborted);
      } finally {
        clearInterval(renew);
        this.inFlight.delete(job.id);
        if (this.running) this.wake();
      }
    })();
    this.inFlight.set(job.id, { promise, abort });
  }

  private async recordFailure(job: Job, err: unknown, stopping: boolean): Promise<void> {
    try {
      if (stopping) {
        await this.repo.release(job.id, this.workerId);
        this.log.info({ jobId: job.id, type: job.type }, 'job interrupted by shutdown; it will run again');
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      // A full disk says nothing about the job: retry until space returns (every few minutes at
      // most), without spending its attempts.
      const waitForSpace = isDiskFull(err);
      const permanent = !waitForSpace && (err instanceof PermanentJobError || job.attempts >= job.max_attempts);
      const retryIn = permanent
        ? null
        : waitForSpace
          ? Math.min(this.backoff(job.attempts), DISK_RETRY_MAX_MS)
          : this.backoff(job.attempts);
      await this.repo.markFailed(job.id, this.workerId, message.slice(0, 4000), retryIn, { refundAttempt: waitForSpace });
      this.log[permanent ? 'error' : 'warn'](
        { jobId: job.id, type: job.type, attempt: job.attempts, err, retryIn },
        permanent ? 'job failed' : waitForSpace ? 'job failed: disk full; will retry' : 'job failed; will retry',
      );
    } catch (dbErr) {
      // The lease will expire and the job will be retried: nothing is lost.
      this.log.error({ err: dbErr, jobId: job.id }, 'could not record job failure');
    }
  }

  /** Exponential backoff with jitter: base·2^(attempt−1), ±20%, capped. */
  backoff(attempt: number): number {
    const raw = Math.min(this.backoffBaseMs * 2 ** (attempt - 1), this.backoffMaxMs);
    return Math.round(raw * (0.8 + Math.random() * 0.4));
  }
}

const DISK_RETRY_MAX_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
