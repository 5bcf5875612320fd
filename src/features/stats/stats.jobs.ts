import type { AppContext } from '../../context.ts';
import { ROLLUP_JOB } from './events.repository.ts';
import { MAINTENANCE_JOB } from './rollup.service.ts';

const HOUR_MS = 3600_000;

/**
 * The rollup job (queued by every events batch, in the same transaction) and the hourly
 * maintenance job, which re-queues itself for the next hour: a dedupe key per hour keeps exactly
 * one queued however many servers start, and it survives restarts because it lives in the jobs table.
 */
export async function registerStatsJobs(ctx: AppContext): Promise<void> {
  ctx.jobs.register(ROLLUP_JOB, async (_payload, { signal }) => {
    await ctx.services.rollup.run({ signal });
  });
  ctx.jobs.register(MAINTENANCE_JOB, async (_payload, { signal }) => {
    await ctx.services.rollup.maintenance(signal);
    await scheduleMaintenance(ctx, 1);
  });
  await scheduleMaintenance(ctx, 0);
}

/** Job timing follows the database's real clock (the runner compares run_at with now()). */
async function scheduleMaintenance(ctx: AppContext, hoursAhead: number): Promise<void> {
  const hour = Math.floor(Date.now() / HOUR_MS) + hoursAhead;
  await ctx.jobs.enqueue(
    MAINTENANCE_JOB,
    {},
    { dedupeKey: `${MAINTENANCE_JOB}:${hour}`, runAt: new Date(hour * HOUR_MS + 5 * 60_000), maxAttempts: 3 },
  );
}
