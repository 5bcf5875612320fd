import type { AppContext } from '../../context.ts';
import { EXPIRY_JOB } from './expiry.service.ts';
import { TAKEDOWN_JOB } from './takedown.service.ts';

/** Consent's background jobs: the daily expiry run (self-rescheduling) and the takedown backup. */
export async function registerConsentJobs(ctx: AppContext): Promise<void> {
  const { consentExpiry, takedowns } = ctx.services;
  ctx.jobs.register(EXPIRY_JOB, async () => {
    await consentExpiry.runJob();
  });
  ctx.jobs.register(TAKEDOWN_JOB, (payload) => takedowns.runJob(payload));
  await consentExpiry.ensureScheduled();
}
