import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { loadDotEnv } from './config/dotenv.ts';
import { createContext } from './context.ts';
import { migrateToLatest } from './db/migrate.ts';
import { registerJobHandlers } from './jobs.ts';
import { createLogger } from './infra/logger.ts';
import { startInfrastructure } from './infra/runtime.ts';

/** Entry point: config → child servers → migrations → listen → graceful shutdown. */
async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let infra;
  try {
    infra = await startInfrastructure(config, log, { role: 'server' });
  } catch (err) {
    // Typically: no bundled Meilisearch for this platform, or a port already taken. Say it plainly.
    log.fatal({ err }, 'could not start the database or search server');
    console.error(`\nThư viện số could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const ctx = createContext({ config, log, databaseUrl: infra.databaseUrl, search: infra.search, sessionSecret: infra.sessionSecret });
  let server: Server | undefined;

  let stopping = false;
  const shutdown = async (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 25_000);
    force.unref();
    try {
      // 1. stop accepting connections and wait for in-flight requests
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.race([closed, new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref())]);
        server.closeAllConnections();
      }
      // 2. stop background work, 3. close the pool, 4. stop the child servers
      await ctx.jobs.stop(config.shutdownTimeoutMs);
      await ctx.close();
      await infra.stop();
    } catch (err) {
      log.error({ err }, 'error during shutdown');
      code = 1;
    }
    log.info('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    // With external services and SESSION_SECRET set, nothing else creates the storage folder before
    // the first upload, and /readyz (which writes a probe file there) would never turn ready.
    await fs.mkdir(config.storageDir, { recursive: true });
    const applied = await migrateToLatest(ctx.db);
    if (applied.length) log.info({ applied }, 'database migrated');
    await registerJobHandlers(ctx);
    const app = createApp(ctx);
    server = app.listen(config.port, config.host);
    await new Promise<void>((resolve, reject) => {
      server!.once('listening', resolve);
      server!.once('error', reject);
    });
    ctx.jobs.start();
    // Search outbox safety net: re-queues index work once Meilisearch answers again.
    ctx.services.searchIndexer.startCatchUp(30_000, () => ctx.jobs.wake());
    // Uploads cut short by a crash leave files in storage/tmp; anything an hour old is such a leftover.
    void ctx.storage.sweepTmp(3600_000).then(
      (n) => n && log.info({ removed: n }, 'removed leftover temporary files'),
      (err: unknown) => log.warn({ err }, 'tmp sweep failed'),
    );
    log.info(
      { url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`, publicBaseUrl: config.publicBaseUrl },
      'Thư viện số is ready',
    );
  } catch (err) {
    log.fatal({ err }, 'start-up failed');
    await shutdown('start-up failure', 1);
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
