import crypto from 'node:crypto';
import { Migrator } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, createPool, type Database } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';

/**
 * A throw-away database of the test run's PostgreSQL, migrated only up to `migration`: migration
 * tests fill it as an older install would be, then migrate it to the latest schema.
 */
export async function databaseAt(migration: string, namePrefix = 'tvs_mig'): Promise<{ db: Database; url: string; drop(): Promise<void> }> {
  const name = `${namePrefix}_${crypto.randomBytes(5).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  const db = createDatabase(createPool(url.toString(), 2));
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateTo(migration);
  if (error) throw error;
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.destroy();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}
