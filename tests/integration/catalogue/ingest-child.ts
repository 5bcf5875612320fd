/**
 * A separate process that runs the catalogue's job handlers against a test database, so that
 * ingest-restart.test.ts can kill it (SIGKILL) in the middle of an ingest, like a crashed server.
 */
import { loadConfig } from '../../../src/config/config.ts';
import { createContext } from '../../../src/context.ts';
import { registerCatalogueJobs } from '../../../src/features/catalogue/catalogue.jobs.ts';
import { createLogger } from '../../../src/infra/logger.ts';
import { connectSearch } from '../../../src/infra/search-client.ts';

const config = loadConfig(process.env);
const log = createLogger(config.logLevel, { child: 'ingest' });
const search = await connectSearch({
  url: process.env.MEILI_URL!,
  masterKey: process.env.MEILI_MASTER_KEY || undefined,
  prefix: config.search.indexPrefix,
  log,
});
const ctx = createContext({
  config,
  log,
  databaseUrl: process.env.TEST_DATABASE_URL!,
  search,
  sessionSecret: 'x'.repeat(40),
  jobs: { leaseMs: 1500, backoffBaseMs: 50 },
});
registerCatalogueJobs(ctx);
ctx.jobs.start();
process.stdout.write('ready\n');
setInterval(() => undefined, 60_000); // stay alive until killed
