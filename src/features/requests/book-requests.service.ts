import crypto from 'node:crypto';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RotatingSecret } from '../auth/login-limiter.ts';
import type { BookRequestStatus } from '../../db/schema/book-requests.ts';
import type { Database } from '../../db/database.ts';
import type { Clock } from '../../infra/clock.ts';
import { requestKey } from '../search/search-precision.ts';
import type { BookRequestsRepository, RequestRow } from './book-requests.repository.ts';

export interface SuggestionInput {
  title: string;
  author: string;
  note: string;
}

export interface RequestLimits {
  /** Suggestions one address may send per window. */
  points: number;
  windowSeconds: number;
}
export const DEFAULT_REQUEST_LIMITS: RequestLimits = { points: 5, windowSeconds: 60 * 60 };

/** A label as people typed it, tidied (spaces, Unicode form) and cut to the column's size. */
const tidy = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim().slice(0, 200);

/**
 * Books readers asked for: a search that found no book, or the "Đề xuất sách" form. Both count
 * under the same normalised key, so "Đắc nhân tâm" and "dac nhan  tam" are one request.
 */
export class BookRequestsService {
  private readonly limiter: RateLimiterPostgres;

  /**
   * The per-address limit is counted in PostgreSQL (the sign-in limiter's table, its own key
   * prefix), so it holds across several app instances and restarts; keys are HMACs of the address
   * under the daily salt (`secret`), so no address is stored.
   */
  constructor(
    private readonly db: Database,
    private readonly repo: BookRequestsRepository,
    private readonly clock: Clock,
    pool: pg.Pool,
    private readonly secret: RotatingSecret,
    limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
  ) {
    this.limiter = new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'login_rate_limits',
      tableCreated: true,
      keyPrefix: 'book_request',
      points: limits.points,
      duration: limits.windowSeconds,
    });
  }

  /** Counts a search that found no book (called off the request path). Too-short keys are noise. */
  async recordSearch(libraryId: number, query: string, locationCode: string | null): Promise<void> {
    const key = requestKey(query);
    if (key.replace(/ /g, '').length < 2) return;
    const id = await this.repo.bump(libraryId, key, tidy(query), this.clock.now(), 'searches');
    if (id !== null && locationCode) await this.repo.bumpPlace(id, locationCode);
  }

  /** A reader's suggestion; 'rate_limited' once an address has sent too many. */
  async suggest(libraryId: number, input: SuggestionInput, clientKey: string): Promise<'ok' | 'rate_limited'> {
    const limitKey = crypto
      .createHmac('sha256', await this.secret())
      .update('suggest\0')
      .update(clientKey)
      .digest('base64url');
    try {
      await this.limiter.consume(limitKey);
    } catch (err) {
      // consume() rejects with the limiter's state once the limit is passed; anything else is a real error.
      if (err instanceof RateLimiterRes) return 'rate_limited';
      throw err;
    }
    const title = tidy(input.title);
    const key = requestKey(title);
    if (!key) return 'ok';
    const at = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const id = await this.repo.bump(libraryId, key, title, at, 'suggestions', trx);
      // A request already handled keeps its state; the reader is thanked all the same.
      if (id !== null)
        await this.repo.addSuggestion(id, { title, author: tidy(input.author), note: input.note.trim().slice(0, 1000) }, at, trx);
    });
    return 'ok';
  }

  list(libraryId: number, status: BookRequestStatus, limit = 500): Promise<RequestRow[]> {
    return this.repo.list(libraryId, status, limit);
  }

  /** "Đã có": the library now has it (linked to that book); the request stops counting. */
  async markAvailable(libraryId: number, id: number, bookId: number, userId: number): Promise<'ok' | 'not_found' | 'no_book'> {
    if (!(await this.repo.bookOnShelf(libraryId, bookId))) return 'no_book';
    return (await this.repo.resolve(libraryId, id, 'available', bookId, userId, this.clock.now())) ? 'ok' : 'not_found';
  }

  async dismiss(libraryId: number, id: number, userId: number): Promise<'ok' | 'not_found'> {
    return (await this.repo.resolve(libraryId, id, 'dismissed', null, userId, this.clock.now())) ? 'ok' : 'not_found';
  }
}
