import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createContext, type AppContext, type ContextDeps } from '../../src/context.ts';
import { ManualClock, type Clock } from '../../src/infra/clock.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { connectSearch } from '../../src/infra/search-client.ts';

export interface TestEnv {
  ctx: AppContext;
  app: App;
  config: Config;
  databaseUrl: string;
  /** Drops this file's database, indexes and storage folder. */
  cleanup(): Promise<void>;
}

export interface TestEnvOptions {
  env?: Record<string, string>;
  clock?: Clock;
  loginLimits?: ContextDeps['loginLimits'];
  requestLimits?: ContextDeps['requestLimits'];
  jobs?: ContextDeps['jobs'];
  /** Statistics events buffer options, e.g. an `onRecord` tap (tests/helpers/books.ts eventTap). */
  events?: ContextDeps['events'];
  /** Capture the log (every line, at `level`) instead of discarding it (privacy test). */
  log?: { level: string; write(line: string): void };
  /** Publishing rules for the catalogue and reader site instead of consent's (tests of other features). */
  publishGate?: ContextDeps['publishGate'];
  /** Another Meilisearch (e.g. one a test stops and restarts); default: the run's shared server. */
  search?: { url: string; masterKey: string };
  /**
   * An existing, already migrated database (a migration test's upgraded install) instead of a
   * clone of the template; the caller drops it.
   */
  databaseUrl?: string;
}

/** A fresh database (cloned from the migrated template), index prefix and storage folder for one test file. */
export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  const id = crypto.randomBytes(5).toString('hex');
  const dbName = `tvs_t_${id}`;
  const adminUrl = inject('pgAdminUrl');
  const ownDatabase = opts.databaseUrl === undefined;
  if (ownDatabase) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${dbName} template ${inject('templateDatabase')}`);
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = opts.databaseUrl ?? url.toString();

  const storageDir = await fs.mkdtemp(path.join(os.tmpdir(), `tvs-storage-${id}-`));
  const config = loadConfig({
    NODE_ENV: 'test',
    STORAGE_DIR: storageDir,
    SEARCH_INDEX_PREFIX: `t${id}_`,
    JOBS_CONCURRENCY: '2',
    JOBS_POLL_MS: '100',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  const log = opts.log
    ? createLogger(opts.log.level, { test: id }, { write: (l: string) => opts.log!.write(l) })
    : createLogger(config.logLevel, { test: id });
  const masterKey = opts.search?.masterKey ?? inject('meiliMasterKey');
  const search = await connectSearch({
    url: opts.search?.url ?? inject('meiliUrl'),
    masterKey: masterKey || undefined,
    prefix: config.search.indexPrefix,
    log,
  });
  const ctx = createContext({
    config,
    log,
    databaseUrl,
    search,
    sessionSecret: crypto.randomBytes(32).toString('hex'),
    clock: opts.clock ?? new ManualClock(),
    loginLimits: opts.loginLimits,
    requestLimits: opts.requestLimits,
    jobs: opts.jobs ?? { leaseMs: 2000, backoffBaseMs: 50 },
    publishGate: opts.publishGate,
    events: opts.events,
  });
  const app = createApp(ctx);
  return {
    ctx,
    app,
    config,
    databaseUrl,
    async cleanup() {
      await ctx.jobs.stop(5000);
      await ctx.close();
      const indexes = await search.client.getIndexes({ limit: 1000 }).catch(() => ({ results: [] as Array<{ uid: string }> }));
      for (const index of indexes.results)
        if (index.uid.startsWith(config.search.indexPrefix)) await search.client.deleteIndex(index.uid).catch(() => undefined);
      if (ownDatabase) {
        const a = new pg.Client({ connectionString: adminUrl });
        await a.connect();
        await a.query(`drop database if exists ${dbName} with (force)`);
        await a.end();
      }
      await fs.rm(storageDir, { recursive: true, force: true });
    },
  };
}

/** The id of the default library (the one a migrated single-library install has, served at `/`). */
export async function defaultLibraryId(ctx: AppContext): Promise<number> {
  return (await ctx.services.libraries.defaultLibrary()).id;
}

/**
 * The default library's id in every test database: 0014_libraries inserts it first into an empty
 * libraries table (identity 1). For direct repository calls in tests of single-library features.
 */
export const DEFAULT_LIBRARY_ID = 1;
