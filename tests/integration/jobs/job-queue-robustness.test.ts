import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, LeaseLostError } from '../../../src/infra/jobs/job-runner.ts';
import { JobsRepository, LEASE_EXHAUSTED } from '../../../src/infra/jobs/jobs.repository.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

const runner = (opts: Partial<ConstructorParameters<typeof JobRunner>[2]> = {}) =>
  new JobRunner(new JobsRepository(env.ctx.db), env.ctx.log, { concurrency: 2, pollMs: 50, leaseMs: 1000, backoffBaseMs: 100, ...opts });

describe('job retention', () => {
  it('deletes succeeded jobs past the retention period, keeps recent ones and every failed job', async () => {
    const r = runner({ retentionMs: 60_000, concurrency: 3 });
    r.register('retained', async (payload) => {
      if (payload.fail) throw new Error('hỏng');
    });
    const oldOk = (await r.enqueue('retained', { n: 1 }))!;
    const newOk = (await r.enqueue('retained', { n: 2 }))!;
    const oldFailed = (await r.enqueue('retained', { fail: true }, { maxAttempts: 1 }))!;
    await r.runDueJobs();
    await r.idle();
    // Two of them finished two minutes ago, as far as the database is concerned.
    await sql`update jobs set finished_at = now() - interval '2 minutes' where id in (${oldOk}, ${oldFailed})`.execute(env.ctx.db);
    expect(await r.sweepFinished()).toBe(1);
    expect(await env.ctx.repos.jobs.findById(oldOk)).toBeUndefined();
    expect((await env.ctx.repos.jobs.findById(newOk))?.status).toBe('succeeded');
    expect((await env.ctx.repos.jobs.findById(oldFailed))?.status).toBe('failed');
  });

  it('sweeps from the poll loop while running', async () => {
    const r = runner({ retentionMs: 0, retentionSweepMs: 50 });
    r.register('swept', async () => undefined);
    const id = (await r.enqueue('swept', {}))!;
    r.start();
    await expect.poll(() => env.ctx.repos.jobs.findById(id), { timeout: 30_000 }).toBeUndefined();
    await r.stop(1000);
  });
});

describe('attempt caps on lease expiry', () => {
  it('a poison job that kills its worker ends failed and listed after max_attempts, not retried on every restart', async () => {
    const id = (await env.ctx.repos.jobs.enqueue('poison', {}, { maxAttempts: 2 }))!;
    const startWorker = () =>
      run(process.execPath, ['--import', 'tsx', path.join(here, 'poison-child.ts')], {
        env: { ...process.env, TEST_DATABASE_URL: env.databaseUrl },
      }).then(
        (r) => ({ killed: false, out: r.stdout }),
        (err: { signal?: string; stdout?: string }) => ({ killed: err.signal === 'SIGKILL', out: err.stdout ?? '' }),
      );
    const waitLeaseExpiry = async () => {
      await expect
        .poll(
          async () =>
            (await sql<{ expired: boolean }>`select locked_until < now() as expired from jobs where id = ${id}`.execute(env.ctx.db)).rows[0]
              .expired,
          // Returns as soon as the lease has run out; generous for a loaded machine.
          { timeout: 60_000 },
        )
        .toBe(true);
    };
    // Restart 1 and 2: the job runs and takes its worker down.
    expect((await startWorker()).killed).toBe(true);
    await waitLeaseExpiry();
    expect((await startWorker()).killed).toBe(true);
    await waitLeaseExpiry();
    // Restart 3: attempts are spent, so the job is failed instead of being run again.
    const third = await startWorker();
    expect(third).toEqual({ killed: false, out: 'claimed 0\n' });
    const job = await env.ctx.repos.jobs.findById(id);
    expect(job).toMatchObject({ status: 'failed', attempts: 2, last_error: LEASE_EXHAUSTED, locked_by: null });
    expect((await env.ctx.repos.jobs.list({ status: 'failed', limit: 50 })).map((j) => j.id)).toContain(id);
  });
});

describe('lost leases', () => {
  it('aborts the handler when its lease is taken over, and its final write and bookkeeping do not happen', async () => {
    const r = runner({ leaseMs: 300 });
    const seen: { aborted?: unknown; finalWrite?: string } = {};
    r.register('long', async (_payload, { signal, assertLease }) => {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 30_000);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()));
      });
      seen.aborted = signal.reason;
      // The handler's final, transactional write: only while the lease is held.
      try {
        await env.ctx.db.transaction().execute(async (trx) => {
          await assertLease(trx);
          await sql`update jobs set payload = '{"written":true}' where id = ${id}`.execute(trx);
        });
        seen.finalWrite = 'written';
      } catch (err) {
        seen.finalWrite = err instanceof LeaseLostError ? 'refused' : String(err);
      }
    });
    const id = (await r.enqueue('long', {}))!;
    expect(await r.runDueJobs()).toBe(1);
    // Another worker took the job over (as after a lease expiry while this one was stalled).
    await sql`update jobs set locked_by = 'other-worker', locked_until = now() + interval '1 minute' where id = ${id}`.execute(env.ctx.db);
    const started = Date.now();
    await r.idle();
    expect(Date.now() - started).toBeLessThan(20_000); // stopped by the abort, not by the handler's own 30 s
    expect(seen.aborted).toBeInstanceOf(LeaseLostError);
    expect(seen.finalWrite).toBe('refused');
    const job = await env.ctx.repos.jobs.findById(id);
    expect(job).toMatchObject({ status: 'running', locked_by: 'other-worker' });
    expect(job?.payload).toEqual({});
  });

  it('aborts the handler when the lease cannot be renewed before it expires', async () => {
    const repo = new JobsRepository(env.ctx.db);
    let failRenewals = false;
    const flaky = Object.assign(Object.create(repo) as JobsRepository, {
      // The database is unreachable for renewals (the rest of the repository is the real one).
      renewLease: (...args: Parameters<JobsRepository['renewLease']>) =>
        failRenewals
          ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
          : repo.renewLease(...args),
    });
    const r = new JobRunner(flaky, env.ctx.log, { concurrency: 1, pollMs: 50, leaseMs: 300 });
    let reason: unknown;
    r.register('stalled', async (_p, { signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      reason = signal.reason;
    });
    await r.enqueue('stalled', {});
    failRenewals = true;
    expect(await r.runDueJobs()).toBe(1);
    await r.idle();
    expect(reason).toBeInstanceOf(LeaseLostError);
  });
});
