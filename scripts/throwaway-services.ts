import crypto from 'node:crypto';
import path from 'node:path';
import { startEmbeddedMeilisearch } from '../src/infra/embedded-meilisearch.ts';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres.ts';
import type { Logger } from '../src/infra/logger.ts';
import { freePort } from '../tests/helpers/free-port.ts';

/*
 * A PostgreSQL and a Meilisearch of their own for a test run, a benchmark or an evaluation, in
 * `tmp`, on free loopback ports with fresh secrets: a run never touches the library's data.
 */

export async function throwawayPostgres(tmp: string, log: Logger) {
  return startEmbeddedPostgres({
    baseDir: path.join(tmp, 'postgres'),
    port: await freePort(),
    password: crypto.randomBytes(12).toString('hex'),
    database: 'postgres',
    log,
  });
}

export async function throwawayMeilisearch(tmp: string, log: Logger) {
  const masterKey = crypto.randomBytes(24).toString('hex');
  const meili = await startEmbeddedMeilisearch({
    baseDir: path.join(tmp, 'meilisearch'),
    storageDir: tmp,
    port: await freePort(),
    masterKey,
    log,
  });
  return { meili, masterKey };
}

/** Both; the caller stops them (Meilisearch first) and removes `tmp`. */
export async function startThrowawayServices(tmp: string, log: Logger) {
  const pg = await throwawayPostgres(tmp, log);
  try {
    return { pg, ...(await throwawayMeilisearch(tmp, log)) };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}
