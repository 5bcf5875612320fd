import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase, createPool } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { startEmbeddedMeilisearch } from '../../src/infra/embedded-meilisearch.ts';
import { startEmbeddedPostgres } from '../../src/infra/embedded-postgres.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDatabase: string;
    meiliUrl: string;
    meiliMasterKey: string;
  }
}

export const TEMPLATE_DB = 'tvs_test_template';

/**
 * Starts the real services once for the whole run (or uses TEST_DATABASE_URL / TEST_MEILI_URL),
 * and prepares a migrated template database that each test file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', { test: true });
  const stops: Array<() => Promise<void>> = [];
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tvs-test-'));
  await fs.chmod(tmp, 0o755);

  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const password = crypto.randomBytes(12).toString('hex');
    const embedded = await startEmbeddedPostgres({
      baseDir: path.join(tmp, 'postgres'),
      port: await freePort(),
      password,
      database: 'postgres',
      log,
    });
    stops.push(embedded.stop);
    adminUrl = embedded.url;
  }

  let meiliUrl = process.env.TEST_MEILI_URL;
  let masterKey = process.env.TEST_MEILI_MASTER_KEY ?? '';
  if (!meiliUrl) {
    masterKey = crypto.randomBytes(24).toString('hex');
    const meili = await startEmbeddedMeilisearch({
      baseDir: path.join(tmp, 'meilisearch'),
      storageDir: tmp,
      port: await freePort(),
      masterKey,
      log,
    });
    stops.push(meili.stop);
    meiliUrl = meili.url;
  }

  // A migrated template: CREATE DATABASE … TEMPLATE copies it in milliseconds per test file.
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const db = createDatabase(createPool(templateUrl.toString(), 2));
  await migrateToLatest(db);
  await db.destroy();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE_DB);
  project.provide('meiliUrl', meiliUrl);
  project.provide('meiliMasterKey', masterKey);

  return async () => {
    for (const stop of stops.reverse()) await stop();
    await fs.rm(tmp, { recursive: true, force: true });
  };
}
