/**
 * A process that uses the embedded PostgreSQL the way the server or a CLI does (startInfrastructure,
 * the code path of `npm start` and `npm run import`), for crash-restart.test.ts.
 *   role=server: starts it (or refuses a shared one) and stays alive until killed.
 *   role=cli: shares it and writes a row every 150 ms through a pool that closes idle connections
 *   at once (an import's pool is idle for long stretches while pdf.js works); on SIGTERM it prints
 *   how many writes succeeded and failed, stops its infrastructure and exits.
 */
import { loadConfig } from '../../../src/config/config.ts';
import { createDatabase, createPool } from '../../../src/db/database.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { startInfrastructure } from '../../../src/infra/runtime.ts';
import { sql } from 'kysely';

const role = process.argv[2] as 'server' | 'cli';
const config = loadConfig(process.env);
const log = createLogger('silent');
const infra = await startInfrastructure(config, log, { role, search: false });
if (role === 'server') {
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
} else {
  const pool = createPool(infra.databaseUrl, 2);
  (pool.options as { idleTimeoutMillis: number }).idleTimeoutMillis = 1;
  const db = createDatabase(pool);
  await sql`create table if not exists import_ticks (id serial primary key, at timestamptz default now())`.execute(db);
  let ok = 0;
  let failed = 0;
  let lastError = '';
  const timer = setInterval(() => {
    sql`insert into import_ticks default values`.execute(db).then(
      () => ok++,
      (err: Error & { code?: string }) => {
        failed++;
        lastError = `${err.code ?? ''} ${err.message}`;
      },
    );
  }, 150);
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    clearInterval(timer);
    void (async () => {
      await new Promise((r) => setTimeout(r, 300));
      process.stdout.write(`ok ${ok} failed ${failed} ${lastError}\n`);
      await db.destroy();
      await infra.stop();
      process.exit(0);
    })();
  });
}
