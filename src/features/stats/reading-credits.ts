import type { Clock } from '../../infra/clock.ts';
import type { DailySalts } from './daily-salts.ts';
import { libraryDate } from '../../infra/calendar.ts';
import type { ReadingCreditsRepository } from './reading-credits.repository.ts';
import { isBot, visitorHash } from './visitor.ts';

/**
 * Bounds the "pages read" beacon, which anyone can send: for a visitor (the daily hash of address
 * and user agent, as for unique visitors) a page of a book counts once per day, and never more
 * pages than the book has. The reader reports the page numbers it showed; an older cached reader
 * reports only a count, which then counts up to the highest count reported that day.
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
    visitor: { ip: string | undefined; userAgent: string | undefined; libraryId: number },
    bookId: number,
    report: { pages: number; seen?: number[] },
    bookPages: number,
  ): Promise<number> {
    if (isBot(visitor.userAgent) || !visitor.ip || bookPages < 1) return 0;
    const list = report.seen ? [...new Set(report.seen.filter((n) => Number.isInteger(n) && n >= 1 && n <= bookPages))] : null;
    const count = Math.min(Math.max(0, Math.floor(report.pages)), bookPages);
    if (list ? list.length === 0 : count === 0) return 0;
    const day = libraryDate(this.clock.now());
    if (this.prunedDay !== day) {
      await this.repo.deleteBefore(day);
      this.prunedDay = day;
    }
    const id = visitorHash(await this.salts.todays(), visitor.ip, visitor.userAgent ?? '');
    return this.repo.add(visitor.libraryId, day, id, bookId, list, count, bookPages);
  }
}
