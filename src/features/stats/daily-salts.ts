import crypto from 'node:crypto';
import type { Clock } from '../../infra/clock.ts';
import type { EventsRepository } from './events.repository.ts';
import { libraryDate, libraryDayStart } from '../../infra/calendar.ts';

/**
 * After midnight, yesterday's salt is kept this long before a flush deletes it: other app instances
 * may still hold yesterday's last events in their buffers (written every second), and an event whose
 * day has no salt any more loses its visitor hash. The hourly maintenance deletes it in any case.
 */
const PAST_SALT_GRACE_MS = 2 * 60_000;

/**
 * The per-day random salt behind unique-visitor hashes. Today's salt is created on first use and
 * cached; salts of past days are deleted as soon as a new day's salt exists (and by the rollup job,
 * for quiet days), after which nobody can recompute those hashes.
 */
export class DailySalts {
  private current: { day: string; salt: Buffer } | null = null;
  private prunedBefore: string | null = null;

  constructor(
    private readonly repo: EventsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Salts for the given days. A past day whose salt is already gone yields no salt (its late events
   * get no visitor hash) rather than a fresh one, which would count the same people twice.
   */
  async forDays(days: Iterable<string>): Promise<Map<string, Buffer | null>> {
    const today = libraryDate(this.clock.now());
    const out = new Map<string, Buffer | null>();
    for (const day of new Set(days)) {
      if (day >= today) out.set(day, await this.today(today));
      else out.set(day, await this.repo.saltFor(day));
    }
    return out;
  }

  /** Today's salt; also the rotating secret behind the sign-in limiter's keys (no IP is stored). */
  async todays(): Promise<Buffer> {
    return this.today(libraryDate(this.clock.now()));
  }

  private async today(today: string): Promise<Buffer> {
    if (this.current?.day === today) return this.current.salt;
    const salt = await this.repo.saltForToday(today, crypto.randomBytes(32));
    this.current = { day: today, salt };
    return salt;
  }

  /** Deletes the salts of every finished day. */
  async forgetPastDays(): Promise<number> {
    const today = libraryDate(this.clock.now());
    if (this.current && this.current.day < today) this.current = null;
    const n = await this.repo.deleteSaltsBefore(today);
    this.prunedBefore = today;
    return n;
  }

  /** After a flush: forget yesterday's salt once per day, once today's has been used and the grace is over. */
  async forgetPastDaysIfNewDay(): Promise<void> {
    if (!this.current || this.prunedBefore === this.current.day) return;
    const now = this.clock.now();
    if (now.getTime() - libraryDayStart(libraryDate(now)).getTime() < PAST_SALT_GRACE_MS) return;
    await this.forgetPastDays();
  }
}
