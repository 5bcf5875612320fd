import type { Clock } from '../../infra/clock.ts';
import type { DailySalts } from './daily-salts.ts';
import { localDay } from './local-time.ts';
import type { ReadingCreditsRepository } from './reading-credits.repository.ts';
import { isBot, visitorHash } from './visitor.ts';

/**
 * Bounds the "pages read" beacon, which anyone can send: a visitor (the daily hash of address and
 * user agent, as for unique visitors) is credited at most the book's page count per book and day,
 * and a page already counted today is not counted again — the reader reports how many distinct
 * pages it has shown, and only the increase over today's credit is added.
 */
export class ReadingCredits {
  private prunedDay: string | null = null;

  constructor(
    private readonly repo: ReadingCreditsRepository,
    private readonly salts: DailySalts,
    private readonly clock: Clock,
  ) {}

  /** Pages to add to the statistics for this beacon (0: nothing new). */
  async credit(
    visitor: { ip: string | undefined; userAgent: string | undefined },
    bookId: number,
    reported: number,
    bookPages: number,
  ): Promise<number> {
    if (isBot(visitor.userAgent) || !visitor.ip) return 0;
    const pages = Math.min(Math.max(0, Math.floor(reported)), bookPages);
    if (pages === 0) return 0;
    const day = localDay(this.clock.now());
    if (this.prunedDay !== day) {
      await this.repo.deleteBefore(day);
      this.prunedDay = day;
    }
    const id = visitorHash(await this.salts.todays(), visitor.ip, visitor.userAgent ?? '');
    return this.repo.raise(day, id, bookId, pages);
  }
}
