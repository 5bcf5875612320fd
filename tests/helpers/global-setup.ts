import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabase, createPool } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { throwawayMeilisearch, throwawayPostgres } from '../../scripts/throwaway-services.ts';

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
    const embedded = await throwawayPostgres(tmp, log);
    stops.push(embedded.stop);
    adminUrl = embedded.url;
  }

  let meiliUrl = process.env.TEST_MEILI_URL;
  let masterKey = process.env.TEST_MEILI_MASTER_KEY ?? '';
  if (!meiliUrl) {
    const started = await throwawayMeilisearch(tmp, log);
    stops.push(started.meili.stop);
    meiliUrl = started.meili.url;
    masterKey = started.masterKey;
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
