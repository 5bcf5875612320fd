import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, PermanentJobError } from '../../../src/infra/jobs/job-runner.ts';
import { JobsRepository } from '../../../src/infra/jobs/jobs.repository.ts';
import { signInAs } from '../../helpers/auth.ts';
import { createTestEnv, type TestEnv } from '../../helpers/test-context.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.cleanup());

// Generous: it returns as soon as the condition holds, and a loaded CI machine is slow, not wrong.
const waitFor = async (cond: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
};

function runner(opts: Partial<ConstructorParameters<typeof JobRunner>[2]> = {}) {
  return new JobRunner(new JobsRepository(env.ctx.db), env.ctx.log, {
    concurrency: 2,
    pollMs: 50,
    leaseMs: 1000,
    backoffBaseMs: 100,
    ...opts,
  });
}

describe('durable job runner', () => {
  it('retries a failing job with growing backoff, then succeeds', async () => {
    const r = runner();
    const attempts: number[] = [];
    r.register('flaky', async (_payload, { job }) => {
      attempts.push(Date.now());
      if (job.attempts < 3) throw new Error(`lỗi tạm thời #${job.attempts}`);
    });
    const id = (await r.enqueue('flaky', { n: 1 }))!;
    r.start();
    await waitFor(async () => (await env.ctx.repos.jobs.findById(id))?.status === 'succeeded');
    await r.stop(1000);
    const job = await env.ctx.repos.jobs.findById(id);
    expect(job?.attempts).toBe(3);
    expect(job?.last_error).toBe('lỗi tạm thời #2');
    expect(attempts).toHaveLength(3);
    // Each retry waited at least the backoff's lower bound (base 100 ms · 2^(n−1), −20% jitter).
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(80);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(160);
  });

  it('backs off exponentially with bounded jitter and a cap', () => {
    const r = runner({ backoffBaseMs: 1000, backoffMaxMs: 10_000 });
    for (let i = 0; i < 50; i++) {
      expect(r.backoff(1)).toBeGreaterThanOrEqual(800);
      expect(r.backoff(1)).toBeLessThanOrEqual(1200);
      expect(r.backoff(3)).toBeGreaterThanOrEqual(3200);
      expect(r.backoff(3)).toBeLessThanOrEqual(4800);
      expect(r.backoff(20)).toBeLessThanOrEqual(12_000);
    }
  });

  it('marks a job failed after max attempts or a permanent error, and the failure is visible and retryable from the admin page', async () => {
    const r = runner();
    r.register('doomed', async (payload) => {
      if (payload.permanent) throw new PermanentJobError('tệp hỏng');
      throw new Error('vẫn lỗi');
    });
    const a = (await env.ctx.repos.jobs.enqueue('doomed', { permanent: true }))!;
    const b = (await env.ctx.repos.jobs.enqueue('doomed', {}, { maxAttempts: 2 }))!;
    r.start();
    await waitFor(
      async () =>
        (await env.ctx.repos.jobs.findById(a))?.status === 'failed' && (await env.ctx.repos.jobs.findById(b))?.status === 'failed',
    );
    await r.stop(1000);
    expect((await env.ctx.repos.jobs.findById(a))?.attempts).toBe(1);
    expect((await env.ctx.repos.jobs.findById(b))?.attempts).toBe(2);

    const { agent, csrf } = await signInAs(env.app, env.ctx, 'librarian');
    const page = await agent.get('/admin/jobs?status=failed').expect(200);
    expect(page.text).toContain('tệp hỏng');
    expect(page.text).toContain('Thất bại');
    await agent.post(`/admin/jobs/${a}/retry`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await env.ctx.repos.jobs.findById(a))?.status).toBe('queued');
    await env.ctx.db.deleteFrom('jobs').where('id', '=', a).execute();
  });

  it('recovers a job whose worker died mid-run (lease expiry), without running it twice at once', async () => {
    // Worker "A" claims the job and then vanishes (as after kill -9): it never renews or finishes.
    const repo = new JobsRepository(env.ctx.db);
    const id = (await repo.enqueue('recoverable', { book: 7 }))!;
    // 10 s: long enough that the check below runs inside the lease even on a loaded 2-core machine
    // (it takes milliseconds on a quiet one); the takeover after it is waited for, not timed.
    const claimed = await repo.claim(['recoverable'], 1, 'dead-worker', 10_000);
    expect(claimed.map((j) => j.id)).toEqual([id]);

    const runs: number[] = [];
    const r = runner();
    r.register('recoverable', async (payload) => {
      runs.push(Number(payload.book));
    });
    // While the lease is valid, nobody else may take it.
    expect(await r.runDueJobs()).toBe(0);
    expect(runs).toEqual([]);
    // Once it runs out, the polling runner takes the job over (however long that takes here).
    r.start();
    await waitFor(async () => (await repo.findById(id))?.status === 'succeeded');
    await r.stop(1000);
    expect(runs).toEqual([7]);
    expect((await repo.findById(id))?.attempts).toBe(2);
  });

  it('a graceful stop waits for the running job to finish, without aborting it', async () => {
    const r = runner({ concurrency: 1 });
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const events: string[] = [];
    r.register('slow-finish', async (_p, { signal }) => {
      await gate;
      events.push(signal.aborted ? 'job aborted' : 'job finished');
    });
    const id = (await r.enqueue('slow-finish', {}))!;
    r.start();
    await waitFor(async () => (await env.ctx.repos.jobs.findById(id))?.status === 'running');
    const stopping = r.stop(60_000).then(() => events.push('stop resolved'));
    // However slow the machine, a correct stop cannot resolve before the job it waits for; the pause
    // only gives a stop that does not wait (or aborts at once) the time to show it.
    await new Promise((res) => setTimeout(res, 300));
    release();
    await stopping;
    expect(events).toEqual(['job finished', 'stop resolved']);
    const job = await env.ctx.repos.jobs.findById(id);
    expect(job?.status).toBe('succeeded');
    expect(job?.attempts).toBe(1);
  });

  it('a graceful stop that times out aborts the running job and puts it back without costing an attempt', async () => {
    const r = runner({ concurrency: 1 });
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    r.register('slow', async (_p, { signal }) => {
      await Promise.race([gate, new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))]);
    });
    const id = (await r.enqueue('slow', {}))!;
    r.start();
    await waitFor(async () => (await env.ctx.repos.jobs.findById(id))?.status === 'running');
    await r.stop(100); // too short: the job is aborted and released
    const job = await env.ctx.repos.jobs.findById(id);
    expect(job?.status).toBe('queued');
    expect(job?.attempts).toBe(0);
    release();

    const r2 = runner({ concurrency: 1 });
    r2.register('slow', async () => undefined);
    r2.start();
    await waitFor(async () => (await env.ctx.repos.jobs.findById(id))?.status === 'succeeded');
    await r2.stop(1000);
  });

  it('does not queue the same deduplicated work twice while it is pending', async () => {
    const repo = new JobsRepository(env.ctx.db);
    const first = await repo.enqueue('index-book', { id: 1 }, { dedupeKey: 'index-book:1' });
    const second = await repo.enqueue('index-book', { id: 1 }, { dedupeKey: 'index-book:1' });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    const rows = await env.ctx.db.selectFrom('jobs').select('id').where('dedupe_key', '=', 'index-book:1').execute();
    expect(rows).toHaveLength(1);
  });
});
