import { loadConfig } from '../src/config/config.ts';
import { loadDotEnv } from '../src/config/dotenv.ts';
import { createContext, type AppContext } from '../src/context.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/infra/logger.ts';
import { startInfrastructure } from '../src/infra/runtime.ts';

/**
 * Runs a command-line task against the same database as the server: the embedded one
 * (shared with a running server, or started for the duration of the task) or DATABASE_URL.
 */
export async function withContext<T>(
  task: (ctx: AppContext) => Promise<T>,
  opts: { search?: boolean; logLevel?: string } = {},
): Promise<T> {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(opts.logLevel ?? (config.logLevel === 'info' ? 'warn' : config.logLevel));
  const infra = await startInfrastructure(config, log, { search: opts.search });
  const ctx = createContext({ config, log, databaseUrl: infra.databaseUrl, search: infra.search, sessionSecret: infra.sessionSecret });
  try {
    await migrateToLatest(ctx.db);
    return await task(ctx);
  } finally {
    await ctx.jobs.stop(10_000);
    await ctx.close();
    await infra.stop();
  }
}
