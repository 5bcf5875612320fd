import type { Clock } from '../../infra/clock.ts';
import type { Logger } from '../../infra/logger.ts';
import type { DailySalts } from './daily-salts.ts';
import { addDays, libraryDate } from '../../infra/calendar.ts';
import type { RollupRepository } from './rollup.repository.ts';

export const MAINTENANCE_JOB = 'stats.maintenance';

/**
 * Keeps the rollups current. Incremental: only events past the stored watermark are read.
 * Idempotent: each chunk's counters and the watermark move in one transaction, so a crash or a
 * second runner can never fold the same events twice. Durable: it runs as a job (queued in the
 * same transaction as the events that need it), plus an hourly maintenance job as a safety net.
 */
export class RollupService {
  constructor(
    private readonly repo: RollupRepository,
    private readonly salts: DailySalts,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Forgets finished days' per-visitor page credits (ReadingCredits), also on days without beacons. */
    private readonly forgetReadingCredits: (beforeDay: string) => Promise<number> = async () => 0,
    private readonly chunk = 50_000,
  ) {}

  /** Folds every committed event; stops early after `maxEvents` (ids) or when aborted. */
  async run(opts: { maxEvents?: number; signal?: AbortSignal } = {}): Promise<{ events: number; chunks: number; ms: number }> {
    const started = performance.now();
    let events = 0;
    let chunks = 0;
    let budget = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    // Loop while new events keep arriving, so a rollup that ran during a burst does not leave its tail.
    for (let upper = await this.repo.committedUpperBound(); ;) {
      const done = await this.repo.foldNextChunk(upper, Math.min(this.chunk, budget));
      if (done) {
        events += done.events;
        chunks++;
        budget -= done.to - done.from;
        if (budget <= 0 || opts.signal?.aborted) break;
        continue;
      }
      const next = await this.repo.committedUpperBound();
      if (next <= upper) break;
      upper = next;
    }
    const ms = Math.round(performance.now() - started);
    if (chunks > 0) this.log.debug({ events, chunks, ms }, 'statistics rolled up');
    return { events, chunks, ms };
  }

  /** True when there is nothing to fold (no lock taken). */
  isCurrent(): Promise<boolean> {
    return this.repo.isCurrent();
  }

  /** How many event ids are committed but not yet folded (0 when current). */
  async lag(): Promise<number> {
    const [upper, mark] = await Promise.all([this.repo.committedUpperBound(), this.repo.watermark()]);
    return Math.max(0, upper - mark);
  }

  /** Hourly: catch up, forget finished days' salts, drop visitor sets that no event can reach any more. */
  async maintenance(signal?: AbortSignal): Promise<void> {
    await this.run({ signal });
    const deleted = await this.salts.forgetPastDays();
    const pruned = await this.repo.pruneVisitorSets(addDays(libraryDate(this.clock.now()), -2));
    const credits = await this.forgetReadingCredits(libraryDate(this.clock.now()));
    if (deleted || pruned || credits)
      this.log.info({ saltsDeleted: deleted, visitorRowsPruned: pruned, readingCreditsDeleted: credits }, 'statistics maintenance');
  }
}
