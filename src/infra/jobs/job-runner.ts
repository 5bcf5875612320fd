import crypto from 'node:crypto';
import os from 'node:os';
import type { Job, JobStatus } from '../../db/schema/jobs.ts';
import type { Logger } from '../logger.ts';
import type { EnqueueOptions, JobsRepository } from './jobs.repository.ts';

export interface JobContext {
  job: Job;
  /** Aborted when the runner stops; long handlers should check it and return early. */
  signal: AbortSignal;
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

  constructor(
    private readonly repo: JobsRepository,
    private readonly log: Logger,
    private readonly opts: JobRunnerOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.backoffBaseMs = opts.backoffBaseMs ?? 5_000;
    this.backoffMaxMs = opts.backoffMaxMs ?? 3_600_000;
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
  async overview(status: JobStatus | undefined, limit = 200): Promise<{ jobs: Job[]; counts: Record<JobStatus, number> }> {
    const [jobs, counts] = await Promise.all([this.repo.list({ status, limit }), this.repo.countByStatus()]);
    return { jobs, counts };
  }

  /** Makes a failed or waiting job due now (staff's "retry"); false when there is no such job. */
  async retryNow(id: number): Promise<boolean> {
    const found = await this.repo.retryNow(id);
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
    } catch (err) {
      this.log.error({ err }, 'job queue poll failed');
    }
  }

  private execute(job: Job): void {
    const handler = this.handlers.get(job.type);
    const abort = new AbortController();
    const renew = setInterval(
      () => {
        this.repo
          .renewLease(job.id, this.workerId, this.leaseMs)
          .catch((err) => this.log.warn({ err, jobId: job.id }, 'lease renewal failed'));
      },
      Math.max(this.leaseMs / 3, 50),
    );
    renew.unref?.();
    const promise = (async () => {
      const started = Date.now();
      try {
        if (!handler) throw new PermanentJobError(`no handler for job type ${job.type}`);
        await handler(job.payload, { job, signal: abort.signal });
        await this.repo.markSucceeded(job.id, this.workerId);
        this.log.info({ jobId: job.id, type: job.type, ms: Date.now() - started }, 'job done');
      } catch (err) {
        await this.recordFailure(job, err, abort.signal.aborted);
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
      const permanent = err instanceof PermanentJobError || job.attempts >= job.max_attempts;
      const retryIn = permanent ? null : this.backoff(job.attempts);
      await this.repo.markFailed(job.id, this.workerId, message.slice(0, 4000), retryIn);
      this.log[permanent ? 'error' : 'warn'](
        { jobId: job.id, type: job.type, attempt: job.attempts, err, retryIn },
        permanent ? 'job failed' : 'job failed; will retry',
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
