import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_catalogue.ts';

/**
 * Every migration, in order. Listed explicitly (not discovered from the folder) so bundlers and
 * tsx cannot change what runs. Never edit a migration that has landed: add a new one.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_catalogue': m0002,
};
