import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import type { AuditLog } from './audit.service.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';
import type { ConsentRecordsRepository } from './consent-records.repository.ts';
import { consentSnapshot } from './consent.service.ts';
import { addDays, libraryDate, libraryDayStart } from '../../infra/calendar.ts';
import type { TakedownService } from './takedown.service.ts';

export const EXPIRY_JOB = 'consent.expire-daily';

/** A few minutes after midnight in Vietnam, so "valid until 31/12" holds through the whole last day. */
const RUN_AFTER_MIDNIGHT_MS = 5 * 60 * 1000;

export interface ExpiryRunResult {
  today: string;
  expired: number[];
  withdrawn: number[];
}

/**
 * The daily expiry run: every granted consent whose end date has passed becomes `expired`
 * (audited), and each published book left without a valid basis is taken down. Scheduled as a
 * durable job that re-enqueues itself for the next day; one job per day (dedupe key carries the date).
 */
export class ConsentExpiryService {
  constructor(
    private readonly db: Database,
    private readonly consents: ConsentRecordsRepository,
    private readonly bookRights: BookRightsRepository,
    private readonly takedowns: TakedownService,
    private readonly audit: AuditLog,
    private readonly jobs: JobsRepository,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async run(): Promise<ExpiryRunResult> {
    const now = this.clock.now();
    const today = libraryDate(now);
    const expired: Array<{ id: number; bookId: number; published: boolean }> = [];
    await this.db.transaction().execute(async (trx) => {
      // Lock the books these consents cover first (in id order, like a revocation: book, then
      // consent), so a publish asking the gate at this moment waits for this run, or finishes
      // first and is seen as published below.
      await this.bookRights.lockBooks(await this.consents.bookIdsDueToExpire(today, trx), trx);
      for (const due of await this.consents.lockDueToExpire(today, trx)) {
        const before = (await this.consents.findById(due.id, trx))!;
        await this.consents.expire(due.id, now, trx);
        const after = (await this.consents.findById(due.id, trx))!;
        await this.audit.record(
          {
            actor: null,
            entity: 'consent',
            entityId: due.id,
            bookId: due.book_id,
            action: 'consent.expired',
            before: consentSnapshot(before),
            after: consentSnapshot(after),
            reason: `ends_on ${due.ends_on} < ${today}`,
          },
          trx,
        );
        const published = before.book_status === 'published';
        await this.takedowns.enqueueBackup(due.book_id, 'expired', due.id, null, trx);
        expired.push({ id: due.id, bookId: due.book_id, published });
      }
    });
    const withdrawn: number[] = [];
    const seen = new Set<number>();
    for (const e of expired) {
      if (!e.published || seen.has(e.bookId)) continue;
      seen.add(e.bookId);
      if ((await this.takedowns.enforceNow(e.bookId, 'expired', e.id, null)) === 'withdrawn') withdrawn.push(e.bookId);
    }
    if (expired.length) this.log.info({ today, expired: expired.length, withdrawn: withdrawn.length }, 'consent expiry run');
    return { today, expired: expired.map((e) => e.id), withdrawn };
  }

  /** When the next daily run should happen, after `now`. */
  nextRunAt(now: Date = this.clock.now()): { day: string; at: Date } {
    const day = addDays(libraryDate(now), 1);
    return { day, at: new Date(libraryDayStart(day).getTime() + RUN_AFTER_MIDNIGHT_MS) };
  }

  /** Queues the run for `day` (once: the dedupe key names the day); without `at`, as soon as possible. */
  async schedule(day: string, at?: Date): Promise<number | null> {
    return this.jobs.enqueue(EXPIRY_JOB, { day }, { runAt: at, dedupeKey: `${EXPIRY_JOB}:${day}`, maxAttempts: 10 });
  }

  /** At start-up: run today's pass now (it is idempotent) and make sure tomorrow's is queued. */
  async ensureScheduled(): Promise<void> {
    const now = this.clock.now();
    await this.schedule(libraryDate(now));
    const next = this.nextRunAt(now);
    await this.schedule(next.day, next.at);
  }

  /** Job handler: first queue tomorrow's run (so a failure today never breaks the chain), then expire. */
  async runJob(): Promise<ExpiryRunResult> {
    const next = this.nextRunAt();
    await this.schedule(next.day, next.at);
    return this.run();
  }
}
