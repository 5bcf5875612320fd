import type { Database } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { translator } from '../../http/i18n/index.ts';
import type { Clock } from '../../infra/clock.ts';
import type { JobsRepository } from '../../infra/jobs/jobs.repository.ts';
import type { Logger } from '../../infra/logger.ts';
import type { AuditLog } from './audit.service.ts';
import type { BookRightsRepository } from './book-rights.repository.ts';
import type { MaybeActor } from './consent.types.ts';
import { formatDate, libraryDate } from '../../infra/calendar.ts';
import type { ConsentPublishGate } from './publish-gate.service.ts';
import type { TakedownsRepository } from './takedowns.repository.ts';

export const TAKEDOWN_JOB = 'consent.takedown';

/** The catalogue's BooksService.withdraw: status withdrawn + removal from both indexes. */
export interface BookWithdrawer {
  /** `inTransaction` runs in the transaction that withdraws the book (only if it was still published). */
  withdraw(bookId: number, actor: MaybeActor, reason: string, inTransaction?: (trx: Database) => Promise<void>): Promise<unknown>;
}

export type TakedownCause = 'revoked' | 'expired';
export type EnforceResult = 'withdrawn' | 'still_allowed' | 'not_published';

/**
 * Takes a published book down when its consent basis is gone (revoked or expired): marks it so the
 * reader site answers 410 Gone, then asks the catalogue to withdraw it (which also removes it from
 * both search indexes). A durable backup job, enqueued in the same transaction as the revocation,
 * repeats this if the process stops before it is done; both paths are idempotent.
 */
export class TakedownService {
  constructor(
    private readonly bookRights: BookRightsRepository,
    private readonly takedowns: TakedownsRepository,
    private readonly gate: ConsentPublishGate,
    private readonly audit: AuditLog,
    private readonly jobs: JobsRepository,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly withdrawer: () => BookWithdrawer | undefined,
  ) {}

  /** Call inside the transaction that revokes/expires a consent. */
  async enqueueBackup(bookId: number, cause: TakedownCause, consentId: number, actorId: number | null, db: Database): Promise<void> {
    await this.jobs.enqueue(
      TAKEDOWN_JOB,
      { bookId, cause, consentId, actorId },
      { dedupeKey: `${TAKEDOWN_JOB}:${bookId}`, priority: 10 },
      db,
    );
  }

  /** Withdraws the book now if it is published and no longer allowed. Safe to repeat. */
  async enforce(bookId: number, cause: TakedownCause, consentId: number | null, actor: MaybeActor): Promise<EnforceResult> {
    const book = await this.bookRights.findBook(bookId);
    if (!book || book.status !== 'published') return 'not_published';
    const decision = await this.gate.evaluate(bookId);
    if (decision.allowed) return 'still_allowed';
    const now = this.clock.now();
    await this.takedowns.upsert({ book_id: bookId, cause, consent_id: consentId, taken_down_at: now });
    const withdrawer = this.withdrawer();
    if (!withdrawer) throw new Error('the catalogue (BooksService.withdraw) is not available: cannot withdraw the book');
    const t = translator('vi');
    // The takedown's completion and its audit row commit with the withdrawal itself.
    let recorded = false;
    await withdrawer.withdraw(
      bookId,
      actor,
      t(cause === 'revoked' ? 'consent.takedown.reasonRevoked' : 'consent.takedown.reasonExpired', { id: consentId ?? '' }),
      async (trx) => {
        await this.takedowns.markWithdrawn(bookId, this.clock.now(), trx);
        await this.audit.record(
          {
            actor,
            entity: 'book',
            entityId: bookId,
            bookId,
            action: 'book.takedown',
            before: { status: 'published' },
            after: { status: 'withdrawn', cause, consentId },
          },
          trx,
        );
        recorded = true;
      },
    );
    // Withdrawn meanwhile by someone else (audited there): the takedown is complete all the same.
    if (!recorded) await this.takedowns.markWithdrawn(bookId, this.clock.now());
    this.log.info({ bookId, cause, consentId }, 'book taken down: consent no longer valid');
    return 'withdrawn';
  }

  /** Runs after the transaction commits; failures are left to the backup job (already queued). */
  async enforceNow(bookId: number, cause: TakedownCause, consentId: number | null, actor: MaybeActor): Promise<EnforceResult | 'deferred'> {
    try {
      return await this.enforce(bookId, cause, consentId, actor);
    } catch (err) {
      this.log.error({ err, bookId }, 'takedown failed; the queued job will retry it');
      return 'deferred';
    }
  }

  /** Job handler for TAKEDOWN_JOB. */
  async runJob(payload: Record<string, unknown>): Promise<void> {
    const bookId = Number(payload.bookId);
    const cause = payload.cause === 'expired' ? 'expired' : 'revoked';
    const consentId = payload.consentId == null ? null : Number(payload.consentId);
    const actor = await this.audit.actorById(payload.actorId == null ? null : Number(payload.actorId));
    await this.enforce(bookId, cause, consentId, actor);
  }

  /** For the reader site: is this (withdrawn) book gone because of a consent? */
  async isWithdrawnForConsent(bookId: number): Promise<boolean> {
    return !!(await this.takedowns.findForWithdrawnBook(bookId));
  }

  /**
   * For the reader site's visibility check: a 410 Gone that renders a respectful explanation page
   * and tells browsers and proxies not to keep a copy — or null if the book is not a consent takedown.
   */
  async goneError(bookId: number): Promise<AppError | null> {
    const takedown = await this.takedowns.findForWithdrawnBook(bookId);
    if (!takedown) return null;
    return new AppError(
      410,
      'gone',
      takedown.cause === 'revoked' ? 'consent.gone.revoked' : 'consent.gone.expired',
      { date: formatDate(libraryDate(takedown.taken_down_at)) },
      {},
      { view: 'consent/gone', headers: { 'Cache-Control': 'no-store' } },
    );
  }
}
