import crypto from 'node:crypto';
import path from 'node:path';
import { startEmbeddedMeilisearch } from '../src/infra/embedded-meilisearch.ts';
import { startEmbeddedPostgres } from '../src/infra/embedded-postgres.ts';
import type { Logger } from '../src/infra/logger.ts';
import { freePort } from '../tests/helpers/free-port.ts';

/**
 * A PostgreSQL and a Meilisearch of their own for a benchmark or evaluation, in `tmp`, on free
 * loopback ports with fresh secrets: a run never touches the library's data. The caller stops them
 * (Meilisearch first) and removes `tmp`.
 */
export async function startThrowawayServices(tmp: string, log: Logger) {
  const password = crypto.randomBytes(12).toString('hex');
  const pg = await startEmbeddedPostgres({
    baseDir: path.join(tmp, 'postgres'),
    port: await freePort(),
    password,
    database: 'postgres',
    log,
  });
  const masterKey = crypto.randomBytes(24).toString('hex');
  try {
    const meili = await startEmbeddedMeilisearch({
      baseDir: path.join(tmp, 'meilisearch'),
      storageDir: tmp,
      port: await freePort(),
      masterKey,
      log,
    });
    return { pg, meili, masterKey };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}
