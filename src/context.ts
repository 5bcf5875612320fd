import type pg from 'pg';
import type { Config } from './config/config.ts';
import { createDatabase, createPool, type Database } from './db/database.ts';
import { LoginLimiter, type LoginLimits } from './features/auth/login-limiter.ts';
import { UsersRepository } from './features/auth/users.repository.ts';
import { UsersService } from './features/auth/users.service.ts';
import { systemClock, type Clock } from './infra/clock.ts';
import { JobRunner } from './infra/jobs/job-runner.ts';
import { JobsRepository } from './infra/jobs/jobs.repository.ts';
import type { Logger } from './infra/logger.ts';
import type { SearchClient } from './infra/search-client.ts';
import { Storage } from './infra/storage.ts';

/** Everything a request or a job needs, built once at start from the Config. */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  pool: pg.Pool;
  db: Database;
  search: SearchClient;
  storage: Storage;
  sessionSecret: string;
  jobs: JobRunner;
  repos: { users: UsersRepository; jobs: JobsRepository };
  services: { users: UsersService };
  /** Closes what the context opened (database pool); stopping child servers is main's job. */
  close(): Promise<void>;
}

export interface ContextDeps {
  config: Config;
  log: Logger;
  databaseUrl: string;
  search: SearchClient;
  sessionSecret: string;
  clock?: Clock;
  loginLimits?: LoginLimits;
  jobs?: { leaseMs?: number; backoffBaseMs?: number };
}

export function createContext(deps: ContextDeps): AppContext {
  const { config, log } = deps;
  const clock = deps.clock ?? systemClock;
  const pool = createPool(deps.databaseUrl, 20);
  pool.on('error', (err) => log.error({ err }, 'idle database connection failed'));
  const db = createDatabase(pool);
  const repos = { users: new UsersRepository(db), jobs: new JobsRepository(db) };
  const jobs = new JobRunner(repos.jobs, log.child({ component: 'jobs' }), {
    concurrency: config.jobs.concurrency,
    pollMs: config.jobs.pollMs,
    ...deps.jobs,
  });
  const services = { users: new UsersService(repos.users, new LoginLimiter(pool, deps.loginLimits), clock) };
  return {
    config,
    log,
    clock,
    pool,
    db,
    search: deps.search,
    storage: new Storage(config.storageDir),
    sessionSecret: deps.sessionSecret,
    jobs,
    repos,
    services,
    close: async () => {
      await db.destroy(); // also ends the pool
    },
  };
}
