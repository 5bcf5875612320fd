/**
 * A worker process for job-queue.test.ts: it claims due jobs once, like a server starting up, and
 * runs the `poison` handler, which kills its own process (SIGKILL), like a PDF that crashes the
 * server or an out-of-memory kill. Prints how many jobs it claimed when it survives.
 */
import { createDatabase, createPool } from '../../../src/db/database.ts';
import { JobRunner } from '../../../src/infra/jobs/job-runner.ts';
import { JobsRepository } from '../../../src/infra/jobs/jobs.repository.ts';
import { createLogger } from '../../../src/infra/logger.ts';

const pool = createPool(process.env.TEST_DATABASE_URL!, 2);
const db = createDatabase(pool);
const runner = new JobRunner(new JobsRepository(db), createLogger('silent'), { concurrency: 1, pollMs: 1000, leaseMs: 400 });
runner.register('poison', async () => {
  process.kill(process.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 10_000));
});
const claimed = await runner.runDueJobs();
await runner.idle();
process.stdout.write(`claimed ${claimed}\n`);
await db.destroy();
